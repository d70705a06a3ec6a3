package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

type operation string

const (
	opPush operation = "push"
	opPull operation = "pull"
	opList operation = "list"
)

// The fixed annotations every pusher gets, so ours and flux produce the same
// layer and comparable manifests.
const (
	benchSource   = "https://example.com/fleet.git"
	benchRevision = "main@sha1:0123456789abcdef0123456789abcdef01234567"
)

// target is what one invocation acts on.
type target struct {
	host     string
	repo     string // push: a fresh repository; pull: the Flux-format seed; list: the tagged repo
	tag      string
	orasRepo string // pull: oras cannot unpack a Flux layer (it has no file name), so it pulls its own seed
	dataDir  string // push: the tree
	outDir   string // pull: a fresh, empty directory
}

func (t target) ociURL() string { return "oci://" + t.host + "/" + t.repo + ":" + t.tag }
func (t target) ref() string    { return t.host + "/" + t.repo + ":" + t.tag }

// tool is one command-line client under test.
type tool struct {
	name string // ours, flux, oras, crane
	bin  string
}

// knownTools lists every client the benchmark can drive, ours first: the
// ratio column compares it with the others.
func knownTools(plugin, toolsDir string) []tool {
	return []tool{
		{name: "ours", bin: plugin},
		{name: "flux", bin: filepath.Join(toolsDir, "flux")},
		{name: "oras", bin: filepath.Join(toolsDir, "oras")},
		{name: "crane", bin: filepath.Join(toolsDir, "crane")},
	}
}

func (t tool) available() bool {
	info, err := os.Stat(t.bin)
	return err == nil && info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0
}

// invocation returns the command tool t runs for o. The commands are the
// closest fair equivalents: crane has no directory push or artifact pull, so
// its rows pipe through GNU tar, and both tag-only listings are marked.
func (t tool) invocation(o operation, tg target) invocation {
	var argv []string
	var short string
	dir := ""
	switch t.name + " " + string(o) {
	case "ours push":
		argv = []string{t.bin, "push", tg.ociURL(), "--path", tg.dataDir, "--source", benchSource, "--revision", benchRevision}
		short = "kubectl-flux_oci push oci://…:TAG --path DIR --source … --revision …"
	case "flux push":
		argv = []string{t.bin, "push", "artifact", tg.ociURL(), "--path", tg.dataDir, "--source", benchSource, "--revision", benchRevision, "--reproducible"}
		short = "flux push artifact oci://…:TAG --path DIR --source … --revision … --reproducible"
	case "oras push":
		// oras refuses absolute paths and packs a directory argument as tar+gzip.
		dir = filepath.Dir(tg.dataDir)
		argv = []string{t.bin, "push", "--plain-http", tg.ref(), filepath.Base(tg.dataDir) + "/"}
		short = "oras push --plain-http …:TAG DIR/ (oras's own tar+gzip)"
	case "crane push":
		argv = []string{"bash", "-o", "pipefail", "-c", `tar -C "$1" -cf - . | "$2" append --insecure -f - -t "$3"`, "bash", tg.dataDir, t.bin, tg.ref()}
		short = "tar -cf - DIR | crane append -f - -t …:TAG (crane gzips)"
	case "ours pull":
		argv = []string{t.bin, "pull", tg.ociURL(), "--output", tg.outDir, "--max-size", "4Gi"}
		short = "kubectl-flux_oci pull oci://…:TAG --output OUT"
	case "flux pull":
		argv = []string{t.bin, "pull", "artifact", tg.ociURL(), "--output", tg.outDir}
		short = "flux pull artifact oci://…:TAG --output OUT"
	case "oras pull":
		argv = []string{t.bin, "pull", "--plain-http", tg.host + "/" + tg.orasRepo + ":" + tg.tag, "-o", tg.outDir}
		short = "oras pull --plain-http …:TAG -o OUT (of the same tree pushed by oras)"
	case "crane pull":
		argv = []string{"bash", "-o", "pipefail", "-c", `"$1" export --insecure "$2" - | tar -x -C "$3"`, "bash", t.bin, tg.ref(), tg.outDir}
		short = "crane export …:TAG - | tar -x -C OUT"
	case "ours list":
		argv = []string{t.bin, "list", "oci://" + tg.host + "/" + tg.repo}
		short = "kubectl-flux_oci list oci://…/REPO (tags + every manifest)"
	case "flux list":
		argv = []string{t.bin, "list", "artifacts", "oci://" + tg.host + "/" + tg.repo}
		short = "flux list artifacts oci://…/REPO (tags + every manifest)"
	case "oras list":
		argv = []string{t.bin, "repo", "tags", "--plain-http", tg.host + "/" + tg.repo}
		short = "oras repo tags --plain-http …/REPO (tags only, no manifests)"
	case "crane list":
		argv = []string{t.bin, "ls", "--insecure", tg.host + "/" + tg.repo}
		short = "crane ls --insecure …/REPO (tags only, no manifests)"
	default:
		panic(fmt.Sprintf("no %s command for tool %s", o, t.name))
	}
	return invocation{argv: argv, dir: dir, short: short}
}

// version returns the first line the tool prints about its version, for the
// report header; a tool that cannot say is reported as unknown.
func (t tool) version(ctx context.Context) string {
	args := []string{"version"}
	if t.name == "flux" {
		args = append(args, "--client")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, t.bin, args...).CombinedOutput()
	if err != nil {
		return "unknown"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(line)
}
