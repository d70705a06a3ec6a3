package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// goTool runs the go command. Every input comes through the Go module proxy:
// it is the one network source the build machines have, and its checksum
// database pins what each module version contains.
type goTool struct {
	// bin is the go binary.
	bin string
	// scratch is an empty directory outside any module, so `go mod download`
	// neither reads nor edits the main module's go.mod.
	scratch string
}

// download fetches m into the module cache and returns its read-only directory.
func (g goTool) download(ctx context.Context, m module) (string, error) {
	cmd := exec.CommandContext(ctx, g.bin, "mod", "download", "-json", m.String())
	cmd.Dir = g.scratch
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	// On a refused version go prints the JSON with an Error field and exits 1.
	var info struct {
		Dir   string
		Error string
	}
	if jsonErr := json.Unmarshal(out, &info); jsonErr == nil && info.Error != "" {
		return "", fmt.Errorf("downloading %s: %s", m, firstLine(info.Error))
	}
	if err != nil {
		return "", fmt.Errorf("downloading %s: %w: %s", m, err, strings.TrimSpace(stderr.String()))
	}
	if info.Dir == "" {
		return "", fmt.Errorf("downloading %s: go mod download reported no directory", m)
	}
	return info.Dir, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
