package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
)

// vocabulary is the word pool for names, labels and config values. Real GitOps
// trees repeat a small vocabulary a lot, which is what gives them their ~4-5×
// gzip ratio; the random tokens (digests, checksums, secrets-looking values)
// keep it from compressing better than real manifests do.
const vocabulary = `api gateway billing checkout payments orders catalog search frontend backend
worker scheduler ingest metrics logging tracing alerting auth identity session cache redis
postgres kafka queue notify mailer storage upload media render report export import sync
inventory shipping pricing cart profile account ledger audit policy router proxy edge
platform team data ml infra security observability core growth mobile web partner`

const envNames = `production staging development canary preview`

// textGen writes YAML documents shaped like the Kubernetes manifests of a
// GitOps repository. It holds no state besides its read-only word lists, so
// one generator serves every worker; each file brings its own seeded PRNG.
type textGen struct {
	words []string
	envs  []string
}

func newTextGen() textGen {
	return textGen{words: strings.Fields(vocabulary), envs: strings.Fields(envNames)}
}

func (g textGen) word(r *rand.Rand) string { return g.words[r.IntN(len(g.words))] }

func (g textGen) name(r *rand.Rand) string { return g.word(r) + "-" + g.word(r) }

// token is an incompressible value such as a digest or a generated secret.
func token(r *rand.Rand, n int) string {
	const alphabet = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// fileContent returns a multi-document YAML file of about size bytes.
func (g textGen) fileContent(r *rand.Rand, size int) []byte {
	var b bytes.Buffer
	b.Grow(size + 4096)
	team, app := g.word(r), g.name(r)
	for b.Len() < size {
		if b.Len() > 0 {
			b.WriteString("---\n")
		}
		switch r.IntN(4) {
		case 0:
			g.service(&b, r, team, app)
		case 1:
			g.configMap(&b, r, team, app, size-b.Len())
		default:
			g.deployment(&b, r, team, app)
		}
	}
	return b.Bytes()
}

func (g textGen) metadata(b *bytes.Buffer, r *rand.Rand, team, app string) {
	fmt.Fprintf(b, "metadata:\n  name: %s-%s\n  namespace: %s\n", app, g.word(r), team)
	fmt.Fprintf(b, "  labels:\n    app.kubernetes.io/name: %s\n    app.kubernetes.io/part-of: %s\n", app, team)
	fmt.Fprintf(b, "    app.kubernetes.io/version: \"v%d.%d.%d\"\n", r.IntN(4), r.IntN(30), r.IntN(100))
	fmt.Fprintf(b, "    environment: %s\n", g.envs[r.IntN(len(g.envs))])
}

func (g textGen) deployment(b *bytes.Buffer, r *rand.Rand, team, app string) {
	b.WriteString("apiVersion: apps/v1\nkind: Deployment\n")
	g.metadata(b, r, team, app)
	fmt.Fprintf(b, "spec:\n  replicas: %d\n  revisionHistoryLimit: 5\n", 1+r.IntN(6))
	fmt.Fprintf(b, "  selector:\n    matchLabels:\n      app.kubernetes.io/name: %s\n", app)
	fmt.Fprintf(b, "  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: %s\n", app)
	fmt.Fprintf(b, "      annotations:\n        checksum/config: %s\n", token(r, 64))
	b.WriteString("    spec:\n      serviceAccountName: " + app + "\n      containers:\n")
	for c := range 1 + r.IntN(2) {
		name := app
		if c > 0 {
			name = g.word(r) + "-sidecar"
		}
		fmt.Fprintf(b, "        - name: %s\n          image: registry.example.com/%s/%s:v%d.%d.%d@sha256:%s\n",
			name, team, name, r.IntN(4), r.IntN(30), r.IntN(100), token(r, 64))
		fmt.Fprintf(b, "          imagePullPolicy: IfNotPresent\n          ports:\n            - name: http\n              containerPort: %d\n              protocol: TCP\n", 8000+r.IntN(1000))
		b.WriteString("          env:\n")
		for range 3 + r.IntN(6) {
			fmt.Fprintf(b, "            - name: %s_%s\n              value: %q\n",
				strings.ToUpper(g.word(r)), strings.ToUpper(g.word(r)), g.value(r))
		}
		fmt.Fprintf(b, "          resources:\n            requests:\n              cpu: %dm\n              memory: %dMi\n            limits:\n              memory: %dMi\n",
			50*(1+r.IntN(10)), 64*(1+r.IntN(8)), 128*(1+r.IntN(8)))
		fmt.Fprintf(b, "          readinessProbe:\n            httpGet:\n              path: /healthz\n              port: http\n            periodSeconds: %d\n", 5+r.IntN(10))
	}
}

func (g textGen) service(b *bytes.Buffer, r *rand.Rand, team, app string) {
	b.WriteString("apiVersion: v1\nkind: Service\n")
	g.metadata(b, r, team, app)
	fmt.Fprintf(b, "spec:\n  type: ClusterIP\n  selector:\n    app.kubernetes.io/name: %s\n  ports:\n", app)
	for range 1 + r.IntN(3) {
		fmt.Fprintf(b, "    - name: %s\n      port: %d\n      targetPort: http\n      protocol: TCP\n", g.word(r), 80+r.IntN(9000))
	}
}

// configMap grows with the room left in the file, so large files are mostly
// configuration data, as they are in practice.
func (g textGen) configMap(b *bytes.Buffer, r *rand.Rand, team, app string, room int) {
	b.WriteString("apiVersion: v1\nkind: ConfigMap\n")
	g.metadata(b, r, team, app)
	fmt.Fprintf(b, "data:\n  %s.properties: |\n", g.word(r))
	lines := min(max(room/48, 8), 400)
	for range lines {
		fmt.Fprintf(b, "    %s.%s.%s=%s\n", g.word(r), g.word(r), g.word(r), g.value(r))
	}
}

// value mixes readable settings with a share of random ones; the share sets
// the compression ratio of the whole tree.
func (g textGen) value(r *rand.Rand) string {
	switch r.IntN(9) {
	case 0:
		return token(r, 12+r.IntN(12))
	case 1:
		return fmt.Sprintf("%d", r.IntN(100000))
	case 2:
		return fmt.Sprintf("http://%s.%s.svc.cluster.local:%d", g.name(r), g.word(r), 8000+r.IntN(1000))
	default:
		return g.word(r) + "-" + g.word(r) + "-" + g.word(r)
	}
}
