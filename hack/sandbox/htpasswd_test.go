package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHtpasswdSetKeepsOtherUsersAndReplacesInPlace(t *testing.T) {
	h, err := parseHtpasswd([]byte("# comment\nflux-oci:$2a$10$aaa\nother:$2a$10$bbb\n"))
	if err != nil {
		t.Fatal(err)
	}
	h = h.set("second", "second:$2a$10$ccc\n")
	h = h.set("other", "other:$2a$10$ddd")
	want := "# comment\nflux-oci:$2a$10$aaa\nother:$2a$10$ddd\nsecond:$2a$10$ccc\n"
	if got := string(h.bytes()); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestHtpasswdRemoveKeepsOthersAndRefusesTheLastUser(t *testing.T) {
	h, err := parseHtpasswd([]byte("a:1\nb:2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if h, err = h.remove("a"); err != nil {
		t.Fatal(err)
	}
	if got := string(h.bytes()); got != "b:2\n" {
		t.Fatalf("after removing a: %q", got)
	}
	if _, err := h.remove("b"); err == nil || !strings.Contains(err.Error(), "last user") {
		t.Fatalf("removing the last user: err = %v, want a refusal", err)
	}
	if _, err := h.remove("nobody"); err == nil {
		t.Fatal("removing an unknown user succeeded")
	}
}

func TestParseHtpasswdRejectsAnEntryWithoutUser(t *testing.T) {
	if _, err := parseHtpasswd([]byte("a:1\nnocolon\n")); err == nil {
		t.Fatal("parsed a line without ':'")
	}
}

func TestValidateUser(t *testing.T) {
	for _, ok := range []string{"flux-oci", "u2", "a.b_c-d"} {
		if err := validateUser(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a:b", "a b", "../x", ".hidden", "-x", "ü", strings.Repeat("a", 65)} {
		if err := validateUser(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := validatePassword("u", "p\nq"); err == nil {
		t.Error("a password with a line break was accepted")
	}
}

// The registry reloads htpasswd only when the mtime changes, so back-to-back
// rewrites must still get distinct, growing mtimes; the file stays 0600.
func TestWriteHtpasswdAdvancesTheMtimeAndKeeps0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "htpasswd")
	h := htpasswd{{user: "a", text: "a:1"}}
	if err := writeHtpasswd(path, h); err != nil {
		t.Fatal(err)
	}
	last, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if err := writeHtpasswd(path, h.set("b", "b:"+strings.Repeat("x", i))); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.ModTime().After(last.ModTime()) {
			t.Fatalf("rewrite %d: mtime %s not after %s", i, fi.ModTime(), last.ModTime())
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
		}
		last = fi
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
}
