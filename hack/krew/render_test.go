package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	dist := t.TempDir()
	// sha256("archive\n")
	const archiveSum = "371e16ce98051a3ea7af3eaef8b87d69033154fb5bb33da349d611f0fae061d6"
	if err := os.WriteFile(filepath.Join(dist, "p_v1.2.3_linux_amd64.tar.gz"), []byte("archive\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	entry := `    {{addURIAndSha "https://example.com/{{ .TagName }}/p_{{ .TagName }}_linux_amd64.tar.gz" .TagName }}` + "\n"
	tests := []struct {
		name     string
		template string
		opts     renderOptions
		want     string
		wantErr  string
	}{{
		name:     "tag and sum as the bot writes them",
		template: "version: {{ .TagName }}\n" + entry,
		opts:     renderOptions{Tag: "v1.2.3", Dist: dist},
		want: "version: v1.2.3\n    uri: https://example.com/v1.2.3/p_v1.2.3_linux_amd64.tar.gz\n" +
			"    sha256: " + archiveSum + "\n",
	}, {
		name:     "Version in the URL is the tag without v",
		template: `{{addURIAndSha "https://example.com/{{ .Version }}/p_{{ .TagName }}_linux_amd64.tar.gz" .TagName }}`,
		opts:     renderOptions{Tag: "v1.2.3", Dist: dist},
		want:     "uri: https://example.com/1.2.3/p_v1.2.3_linux_amd64.tar.gz\n    sha256: " + archiveSum,
	}, {
		name:     "URL prefix serves the same archive from elsewhere",
		template: entry,
		opts:     renderOptions{Tag: "v1.2.3", Dist: dist, URLPrefix: "http://127.0.0.1:8080/"},
		want:     "    uri: http://127.0.0.1:8080/p_v1.2.3_linux_amd64.tar.gz\n    sha256: " + archiveSum + "\n",
	}, {
		name:     "missing archive fails and says how to build it",
		template: entry,
		opts:     renderOptions{Tag: "v9.9.9", Dist: dist},
		wantErr:  "archive p_v9.9.9_linux_amd64.tar.gz is not in " + dist + ": build it with make dist",
	}, {
		name:     "missing archive allowed gets the placeholder sum",
		template: entry,
		opts:     renderOptions{Tag: "v9.9.9", Dist: dist, AllowMissing: true},
		want:     "    uri: https://example.com/v9.9.9/p_v9.9.9_linux_amd64.tar.gz\n    sha256: " + missingSHA256 + "\n",
	}, {
		name:     "unknown field is an error, not an empty string",
		template: "version: {{ .Tag }}\n",
		opts:     renderOptions{Tag: "v1.2.3", Dist: dist},
		wantErr:  "can't evaluate field Tag",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := render("t.yaml", tt.template, tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
