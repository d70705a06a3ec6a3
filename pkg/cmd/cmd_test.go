package cmd

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

type result struct {
	stdout, stderr string
	code           int
	err            error
}

// run executes a fresh command tree as main does, with stdin and captured
// streams, and returns what a user would see.
func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return runIn(t, bytes.NewBufferString(stdin), args...)
}

// runIn is run with any standard input: a terminal, for prompts.
func runIn(t *testing.T, in io.Reader, args ...string) result {
	t.Helper()
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	root := NewRootCmd(genericiooptions.IOStreams{In: in, Out: out, ErrOut: errOut})
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	if err != nil && !Silent(err) {
		errOut.WriteString("✗ " + err.Error() + "\n")
	}
	return result{stdout: out.String(), stderr: errOut.String(), code: ExitCode(err), err: err}
}

func (r result) mustSucceed(t *testing.T) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	return r
}

// golden compares got with testdata/golden/NAME, after replacing what
// changes between runs (registry ports, temp paths, versions).
func golden(t *testing.T, name, got string, replace ...string) {
	t.Helper()
	for i := 0; i+1 < len(replace); i += 2 {
		got = strings.ReplaceAll(got, replace[i], replace[i+1])
	}
	got = regexp.MustCompile(`go1\.[0-9.]+`).ReplaceAllString(got, "GOVERSION")
	path := filepath.Join("..", "..", "testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/cmd -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden (go test ./pkg/cmd -update to accept):\n--- want\n%s\n--- got\n%s", name, want, got)
	}
}

func TestHelpReadsLikeKubectl(t *testing.T) {
	for _, verb := range []string{"", "push", "pull", "tag", "list", "diff", "version", "bootstrap", "upgrade", "rotate-secret", "sign", "verify", "generate-key"} {
		args := []string{"--help"}
		if verb != "" {
			args = []string{verb, "-h"}
		}
		r := run(t, "", args...).mustSucceed(t)
		if !strings.Contains(r.stdout, "kubectl flux-oci") {
			t.Errorf("%s help does not say kubectl flux-oci:\n%s", verb, r.stdout)
		}
		name := "help-" + verb + ".golden"
		if verb == "" {
			name = "help.golden"
		}
		golden(t, name, r.stdout, os.Getenv("HOME"), "$HOME")
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"nope"}, "unknown command"},
		{[]string{"push", "--nope"}, "unknown flag"},
		{[]string{"push"}, "takes one artifact URL"},
		{[]string{"push", "oci://127.0.0.1:1/app:v1"}, "--path is required"},
		{[]string{"push", "ghcr.io/a:b", "--path", "."}, "must start with oci://"},
		{[]string{"push", "oci://127.0.0.1:1/app", "--path", "."}, "hint: use oci://HOST/REPO:TAG"},
		{[]string{"push", "oci://127.0.0.1:1/app:v1", "--path", "/does/not/exist"}, "--path /does/not/exist"},
		{[]string{"push", "oci://127.0.0.1:1/app:v1", "--path", ".", "--annotation", "novalue"}, "KEY=VALUE"},
		{[]string{"push", "oci://127.0.0.1:1/app:v1", "--path", ".", "--annotation", "org.opencontainers.image.revision=x"}, "use --source, --revision"},
		{[]string{"push", "oci://127.0.0.1:1/app:v1", "--path", ".", "--username", "ci"}, "--password-stdin"},
		{[]string{"push", "oci://127.0.0.1:1/app:v1", "--path", ".", "--ca-file", "/no/ca.pem"}, "--ca-file"},
		{[]string{"push", "oci://127.0.0.1:1/app:v1", "--path", ".", "--provider", "oracle"}, "--provider"},
		{[]string{"push", "oci://127.0.0.1:1/app:v1", "--path", ".", "-o", "yaml"}, "-o json"},
		{[]string{"push", "oci://127.0.0.1:1/app:v1", "--path", ".", "--tag", ".bad"}, "--tag"},
		{[]string{"pull", "oci://127.0.0.1:1/app:v1"}, "--output is required"},
		{[]string{"pull", "oci://127.0.0.1:1/app:v1", "-o", "x", "--max-size", "lots"}, "--max-size"},
		{[]string{"tag", "oci://127.0.0.1:1/app:v1"}, "--tag is required"},
		{[]string{"list", "oci://127.0.0.1:1/app:v1"}, "has a tag or digest"},
		{[]string{"list", "oci://127.0.0.1:1/app", "--semver", "what"}, "--semver"},
		{[]string{"diff", "oci://127.0.0.1:1/app:v1"}, "--path is required"},
		{[]string{"version", "-o", "xml"}, "-o json"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			r := run(t, "", c.args...)
			if r.code != ExitUsage {
				t.Errorf("exit %d, want 2; stderr: %s", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, c.want) {
				t.Errorf("stderr %q does not mention %q", r.stderr, c.want)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	r := run(t, "", "version").mustSucceed(t)
	if !strings.HasPrefix(r.stdout, "kubectl-flux_oci: ") || !strings.Contains(r.stdout, "go: go1.") {
		t.Errorf("version = %q", r.stdout)
	}
	r = run(t, "", "version", "-o", "json").mustSucceed(t)
	golden(t, "version.json.golden", r.stdout)
}
