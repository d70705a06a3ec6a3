package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"time"
)

// userChangeTimeout bounds the wait until the TLS registry answers with the
// changed user list. distribution v3.1.2 re-reads htpasswd on the next
// request whose stat shows another mtime (registry/auth/htpasswd/access.go),
// so this is only a safety net: no restart is needed.
const userChangeTimeout = 10 * time.Second

// RegistryPasswordFile is the 0600 file holding the password of a user of
// the HTTPS registry: $SANDBOX_REGISTRY_PASSWORD_FILE for RegistryUser, a
// file of its own for a user AddRegistryUser added. It exists only while the
// user does.
func (s *Sandbox) RegistryPasswordFile(user string) string {
	return s.layout.registryPasswordFile(user)
}

// AddRegistryUser adds user to the htpasswd file of the HTTPS registry
// (registry-tls), or gives an existing user the new password, and keeps the
// password in RegistryPasswordFile(user). When the registry runs, it returns
// once the registry accepts the new credentials; a stopped registry reads
// the file when started.
func (s *Sandbox) AddRegistryUser(ctx context.Context, user, password string) error {
	if err := validateUser(user); err != nil {
		return err
	}
	if err := validatePassword(user, password); err != nil {
		return err
	}
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	st, p, err := s.recorded(registryTLSName)
	if err != nil {
		return err
	}
	entry, err := hashRegistryPassword(s.layout, user, password)
	if err != nil {
		return err
	}
	h, err := readHtpasswd(s.layout.registryHtpasswd())
	if err != nil {
		return err
	}
	if err := writeHtpasswd(s.layout.registryHtpasswd(), h.set(user, entry)); err != nil {
		return err
	}
	if err := writeAll(map[string][]byte{s.layout.registryPasswordFile(user): []byte(password)}); err != nil {
		return fmt.Errorf("registry user %s: %w", user, err)
	}
	if ours(p) {
		if err := s.waitRegistryLogin(ctx, st.Ports, user, password, true); err != nil {
			return err
		}
	}
	s.logf("✔ registry user %s added (password in %s)", user, s.layout.registryPasswordFile(user))
	return nil
}

// RemoveRegistryUser removes user from the htpasswd file of the HTTPS
// registry and deletes its password file. Removing the last user is refused.
// When the registry runs and the password is known, it returns once the
// registry refuses that user.
func (s *Sandbox) RemoveRegistryUser(ctx context.Context, user string) error {
	if err := validateUser(user); err != nil {
		return err
	}
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	st, p, err := s.recorded(registryTLSName)
	if err != nil {
		return err
	}
	h, err := readHtpasswd(s.layout.registryHtpasswd())
	if err != nil {
		return err
	}
	if h, err = h.remove(user); err != nil {
		return err
	}
	passwordFile := s.layout.registryPasswordFile(user)
	password, readErr := os.ReadFile(passwordFile)
	if err := writeHtpasswd(s.layout.registryHtpasswd(), h); err != nil {
		return err
	}
	if ours(p) && readErr == nil {
		if err := s.waitRegistryLogin(ctx, st.Ports, user, string(password), false); err != nil {
			return err
		}
	}
	if err := removeIfExists(passwordFile); err != nil {
		return fmt.Errorf("registry user %s: %w", user, err)
	}
	s.logf("✔ registry user %s removed", user)
	return nil
}

// waitRegistryLogin polls the TLS registry until it accepts (or, with
// accepted false, refuses with 401) user's credentials.
func (s *Sandbox) waitRegistryLogin(ctx context.Context, ports Ports, user, password string, accepted bool) error {
	ctx, cancel := context.WithTimeout(ctx, userChangeTimeout)
	defer cancel()
	pr := prober{l: s.layout, ports: ports}
	want := "accept"
	if !accepted {
		want = "refuse"
	}
	for {
		err := pr.registryLogin(ctx, user, password)
		var status *statusError
		if accepted && err == nil ||
			!accepted && errors.As(err, &status) && status.code == http.StatusUnauthorized {
			return nil
		}
		if err == nil {
			err = errors.New("login accepted")
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("registry user %s: %s does not %s the credentials after %s: %w",
				user, registryTLSName, want, userChangeTimeout, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// knownRegistryUsers lists the htpasswd users whose password the sandbox
// keeps, RegistryUser first, for the health probe.
func knownRegistryUsers(l layout) ([]string, error) {
	h, err := readHtpasswd(l.registryHtpasswd())
	if err != nil {
		return nil, err
	}
	users := h.users()
	slices.SortStableFunc(users, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == RegistryUser:
			return -1
		case b == RegistryUser:
			return 1
		}
		return 0
	})
	return slices.DeleteFunc(users, func(user string) bool {
		_, err := os.Stat(l.registryPasswordFile(user))
		return err != nil
	}), nil
}
