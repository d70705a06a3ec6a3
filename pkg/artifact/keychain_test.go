package artifact

import "github.com/google/go-containerregistry/pkg/authn"

type staticKeychain struct{ auth authn.Authenticator }

func (s staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) { return s.auth, nil }
