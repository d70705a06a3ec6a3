package sandbox

import (
	"context"
	"os"
	"strings"
	"testing"
)

// With the TLS registry stopped, adding and removing users only edits the
// files: other users stay, passwords live in 0600 files, the last user stays.
func TestRegistryUsersEditTheFiles(t *testing.T) {
	sb, _ := fakeSandbox(t)
	ctx := context.Background()
	l := sb.layout
	if err := sb.AddRegistryUser(ctx, "second", "pw-two"); err != nil {
		t.Fatal(err)
	}
	assertHtpasswd(t, sb, RegistryUser+":$2a$10$original\nsecond:$2a$10$fake6\n")
	assertSecretFile(t, sb.RegistryPasswordFile("second"), "pw-two")
	if err := sb.AddRegistryUser(ctx, "second", "new-pw-two"); err != nil {
		t.Fatal(err)
	}
	assertHtpasswd(t, sb, RegistryUser+":$2a$10$original\nsecond:$2a$10$fake10\n")
	assertSecretFile(t, sb.RegistryPasswordFile("second"), "new-pw-two")

	users, err := knownRegistryUsers(l)
	if err != nil || strings.Join(users, ",") != RegistryUser+",second" {
		t.Fatalf("known users %v, %v", users, err)
	}
	if err := sb.RemoveRegistryUser(ctx, RegistryUser); err != nil {
		t.Fatal(err)
	}
	assertHtpasswd(t, sb, "second:$2a$10$fake10\n")
	if _, err := os.Stat(l.registryPasswordPath()); !os.IsNotExist(err) {
		t.Fatalf("password file of the removed user: %v", err)
	}
	if err := sb.RemoveRegistryUser(ctx, "second"); err == nil || !strings.Contains(err.Error(), "last user") {
		t.Fatalf("removing the last user: err = %v", err)
	}
	assertHtpasswd(t, sb, "second:$2a$10$fake10\n")

	// Restoring the original user brings back the env file's password file.
	if err := sb.AddRegistryUser(ctx, RegistryUser, "original-password"); err != nil {
		t.Fatal(err)
	}
	assertSecretFile(t, l.registryPasswordPath(), "original-password")
	if users, _ = knownRegistryUsers(l); users[0] != RegistryUser {
		t.Fatalf("known users %v: the env file's user must come first", users)
	}
}

func TestRegistryUsersRefuseBadInput(t *testing.T) {
	sb, _ := fakeSandbox(t)
	ctx := context.Background()
	if err := sb.AddRegistryUser(ctx, "a:b", "pw"); err == nil {
		t.Error("a user name with ':' was accepted")
	}
	if err := sb.AddRegistryUser(ctx, "u", ""); err == nil {
		t.Error("an empty password was accepted")
	}
	err := sb.AddRegistryUser(ctx, "u", "secret\nline")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("a two-line password: err = %v (must be refused without showing it)", err)
	}
	if err := sb.RemoveRegistryUser(ctx, "nobody"); err == nil {
		t.Error("removing an unknown user succeeded")
	}
}

func assertHtpasswd(t *testing.T, sb *Sandbox, want string) {
	t.Helper()
	assertSecretFile(t, sb.layout.registryHtpasswd(), want)
}

func assertSecretFile(t *testing.T, path, want string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s: mode %v, want 0600", path, fi.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	if string(data) != want {
		t.Errorf("%s: got %q, want %q", path, data, want)
	}
}
