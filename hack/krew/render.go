package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
)

// missingSHA256 stands for an archive that was not built: it passes krew's
// syntax check, and no archive matches it. Not all zeros: YAML reads an
// unquoted 000… as the number 0, which krew then rejects.
const missingSHA256 = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

// renderOptions say where the archives are and how to refer to them.
type renderOptions struct {
	// Tag is the release tag, krew-release-bot's .TagName.
	Tag string
	// Dist holds the archives, each named as the last element of its URL.
	Dist string
	// AllowMissing writes missingSHA256 for an archive not in Dist instead of
	// failing; for checks that compare everything but the sums, and tests
	// that build only their own platform.
	AllowMissing bool
	// URLPrefix replaces everything before the archive name in each URI, so
	// a test can serve Dist over HTTP.
	URLPrefix string
}

// release is the data krew-release-bot executes the template with; of its
// fields, only the tag is meaningful before the release exists.
type release struct{ TagName string }

// asset is the data of addURIAndSha's URL template, as the bot provides it.
type asset struct{ TagName, Version string }

// versionInTag is how the bot finds .Version in a tag: v0.1.0 gives 0.1.0.
var versionInTag = regexp.MustCompile(`\d+(\.\d+)+`)

// render executes the template as krew-release-bot does, with the same
// addURIAndSha function, the sums taken from opts.Dist.
func render(name, text string, opts renderOptions) ([]byte, error) {
	funcs := template.FuncMap{
		"addURIAndSha": func(url, tag string) (string, error) { return uriAndSHA(url, tag, opts) },
	}
	t, err := template.New(name).Funcs(funcs).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("parsing template %s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, release{TagName: opts.Tag}); err != nil {
		return nil, fmt.Errorf("rendering %s for %s: %w", name, opts.Tag, err)
	}
	return buf.Bytes(), nil
}

// uriAndSHA is the bot's addURIAndSha: the URL is itself a template, and
// the result's second line is indented by 4 spaces, the bot's fixed layout
// that the template's platform entries are written for.
func uriAndSHA(urlTemplate, tag string, opts renderOptions) (string, error) {
	t, err := template.New("url").Option("missingkey=error").Parse(urlTemplate)
	if err != nil {
		return "", fmt.Errorf("parsing URL %q: %w", urlTemplate, err)
	}
	version := versionInTag.FindString(tag)
	if version == "" {
		version = tag
	}
	var url strings.Builder
	if err := t.Execute(&url, asset{TagName: tag, Version: version}); err != nil {
		return "", fmt.Errorf("expanding URL %q: %w", urlTemplate, err)
	}
	archive := path.Base(url.String())
	sum, err := fileSHA256(filepath.Join(opts.Dist, archive))
	switch {
	case errors.Is(err, fs.ErrNotExist) && opts.AllowMissing:
		sum = missingSHA256
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("archive %s is not in %s: build it with make dist", archive, opts.Dist)
	case err != nil:
		return "", err
	}
	uri := url.String()
	if opts.URLPrefix != "" {
		uri = strings.TrimSuffix(opts.URLPrefix, "/") + "/" + archive
	}
	return fmt.Sprintf("uri: %s\n    sha256: %s", uri, sum), nil
}

func fileSHA256(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hashing %s: %w", name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
