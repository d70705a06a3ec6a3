package credentials

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

func resolve(t *testing.T, o Options, repo string) (*authn.AuthConfig, error) {
	t.Helper()
	kc, err := o.Keychain(context.Background())
	if err != nil {
		return nil, err
	}
	r, err := name.NewRepository(repo)
	if err != nil {
		t.Fatal(err)
	}
	a, err := kc.Resolve(r)
	if err != nil {
		return nil, err
	}
	return a.Authorization()
}

func TestExplicitCredentials(t *testing.T) {
	cfg, err := resolve(t, Options{Username: "ci", Password: "s3cret"}, "ghcr.io/org/repo")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Username != "ci" || cfg.Password != "s3cret" || cfg.RegistryToken != "" {
		t.Errorf("basic auth = %+v", cfg)
	}
	cfg, err = resolve(t, Options{Password: "tok"}, "ghcr.io/org/repo")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RegistryToken != "tok" || cfg.Username != "" {
		t.Errorf("token-only form = %+v, want a bearer token", cfg)
	}
}

func TestDockerConfigIsTheDefault(t *testing.T) {
	dir := t.TempDir()
	// "dXNlcjpwYXNz" is base64("user:pass").
	writeFile(t, dir+"/config.json", `{"auths":{"registry.example.com":{"auth":"dXNlcjpwYXNz"}}}`)
	t.Setenv("DOCKER_CONFIG", dir)
	cfg, err := resolve(t, Options{}, "registry.example.com/app")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Username != "user" || cfg.Password != "pass" {
		t.Errorf("from $DOCKER_CONFIG = %+v, want user/pass", cfg)
	}
	cfg, err = resolve(t, Options{}, "other.example.com/app")
	if err != nil {
		t.Fatal(err)
	}
	if *cfg != (authn.AuthConfig{}) {
		t.Errorf("another registry got %+v, want anonymous", cfg)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		o    Options
		want string
	}{
		{Options{Username: "ci"}, "--password-stdin"},
		{Options{Provider: "aws", Username: "ci", Password: "x"}, "drop --username"},
		{Options{Provider: "oracle"}, "generic, aws, azure, gcp"},
	}
	for _, c := range cases {
		err := c.o.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%+v) = %v, want a hint with %q", c.o, err, c.want)
		}
		if err != nil && c.o.Password != "" && strings.Contains(err.Error(), c.o.Password) {
			t.Errorf("error leaks the password: %v", err)
		}
	}
	for _, p := range Providers() {
		if err := (Options{Provider: p}).Validate(); err != nil {
			t.Errorf("provider %s: %v", p, err)
		}
	}
}

// The provider wiring reaches fluxcd/pkg/auth, which recognises its own
// registries; a registry of another cloud is refused before any network call.
func TestProviderWiring(t *testing.T) {
	cases := map[string]string{
		ProviderAWS:   "127.0.0.1:5000/flux",
		ProviderAzure: "127.0.0.1:5000/flux",
		ProviderGCP:   "127.0.0.1:5000/flux",
	}
	for provider, repo := range cases {
		_, err := resolve(t, Options{Provider: provider}, repo)
		if err == nil {
			t.Errorf("%s accepted %s", provider, repo)
			continue
		}
		if !strings.Contains(err.Error(), "--provider "+provider) {
			t.Errorf("%s: error = %v, want it to name --provider", provider, err)
		}
	}
}
