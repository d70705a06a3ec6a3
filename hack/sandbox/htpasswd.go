package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// htpasswdEntry is one line of an htpasswd file; user is empty for blank and
// comment lines, which are kept as they are.
type htpasswdEntry struct {
	user string
	text string
}

// htpasswd is an htpasswd file in its original line order.
type htpasswd []htpasswdEntry

// validateUser keeps names safe in an htpasswd line (no ':'), as a file
// name (the password file) and on a command line.
func validateUser(user string) error {
	ok := len(user) > 0 && len(user) <= 64 && user[0] != '.' && user[0] != '-' && user[0] != '_'
	for _, r := range user {
		ok = ok && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r))
	}
	if !ok {
		return fmt.Errorf("registry user %q: want 1-64 of [A-Za-z0-9._-], starting with a letter or digit", user)
	}
	return nil
}

// validatePassword refuses what the bcrypt helper cannot take: it reads one
// line from stdin. The password itself never appears in the error.
func validatePassword(user, password string) error {
	if password == "" {
		return fmt.Errorf("registry user %s: empty password", user)
	}
	if strings.ContainsAny(password, "\r\n") {
		return fmt.Errorf("registry user %s: password contains a line break", user)
	}
	return nil
}

// parseHtpasswd reads the format distribution reads (registry/auth/htpasswd):
// trimmed lines, '#' comments, "user:hash".
func parseHtpasswd(data []byte) (htpasswd, error) {
	var h htpasswd
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' {
			h = append(h, htpasswdEntry{text: line})
			continue
		}
		user, _, ok := strings.Cut(t, ":")
		if !ok || user == "" {
			return nil, fmt.Errorf("htpasswd line %d: no user:hash entry", i+1)
		}
		h = append(h, htpasswdEntry{user: user, text: t})
	}
	return h, nil
}

func (h htpasswd) users() []string {
	var users []string
	for _, l := range h {
		if l.user != "" {
			users = append(users, l.user)
		}
	}
	return users
}

func (h htpasswd) has(user string) bool {
	for _, l := range h {
		if l.user == user {
			return true
		}
	}
	return false
}

// set replaces user's entry (changing its password) or appends it; entry is
// the "user:hash" line the bcrypt helper printed.
func (h htpasswd) set(user, entry string) htpasswd {
	entry = strings.TrimSpace(entry)
	out := make(htpasswd, 0, len(h)+1)
	replaced := false
	for _, l := range h {
		if l.user == user {
			if replaced {
				continue // a duplicate: distribution would take the last one
			}
			l.text, replaced = entry, true
		}
		out = append(out, l)
	}
	if !replaced {
		out = append(out, htpasswdEntry{user: user, text: entry})
	}
	return out
}

// remove drops user. Removing the last user is refused: the registry would
// then refuse everyone, and the sandbox could not even probe it.
func (h htpasswd) remove(user string) (htpasswd, error) {
	if !h.has(user) {
		return nil, fmt.Errorf("registry user %s: not in htpasswd (users: %v)", user, h.users())
	}
	out := make(htpasswd, 0, len(h))
	for _, l := range h {
		if l.user != user {
			out = append(out, l)
		}
	}
	if len(out.users()) == 0 {
		return nil, fmt.Errorf("registry user %s: refusing to remove the last user (add another first)", user)
	}
	return out, nil
}

func (h htpasswd) bytes() []byte {
	var b strings.Builder
	for _, l := range h {
		b.WriteString(l.text)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

func readHtpasswd(path string) (htpasswd, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading htpasswd %s: %w", path, err)
	}
	h, err := parseHtpasswd(data)
	if err != nil {
		return nil, fmt.Errorf("parsing htpasswd %s: %w", path, err)
	}
	return h, nil
}

// writeHtpasswd replaces path atomically (0600). distribution re-reads the
// file on a request when its mtime differs from the one it loaded: a rename
// means it never loads half a file, and the mtime is pushed past the old
// one because two edits within one kernel timestamp tick (a few ms) would
// otherwise look unchanged and the second would be ignored.
func writeHtpasswd(path string, h htpasswd) error {
	previous, statErr := os.Stat(path)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".htpasswd-*") // created 0600
	if err != nil {
		return fmt.Errorf("writing htpasswd %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	_, err = tmp.Write(h.bytes())
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("writing htpasswd %s: %w", tmp.Name(), err)
	}
	if statErr == nil {
		written, err := os.Stat(tmp.Name())
		if err != nil {
			return fmt.Errorf("writing htpasswd %s: %w", tmp.Name(), err)
		}
		if !written.ModTime().After(previous.ModTime()) {
			later := previous.ModTime().Add(time.Millisecond)
			if err := os.Chtimes(tmp.Name(), later, later); err != nil {
				return fmt.Errorf("advancing the mtime of %s: %w", tmp.Name(), err)
			}
		}
	} else if !errors.Is(statErr, os.ErrNotExist) {
		return fmt.Errorf("writing htpasswd %s: %w", path, statErr)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing htpasswd %s: %w", path, err)
	}
	return nil
}
