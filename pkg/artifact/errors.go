package artifact

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// explain adds a hint to registry errors users can act on. The registry's
// own message is kept; credentials are never part of it (the library never
// echoes request headers or bodies).
func explain(err error) error {
	var unknownCA x509.UnknownAuthorityError
	var verify *tls.CertificateVerificationError
	if errors.As(err, &unknownCA) || errors.As(err, &verify) {
		return fmt.Errorf("%w; hint: pass --ca-file with the CA bundle that signed the registry's certificate", err)
	}
	var terr *transport.Error
	if !errors.As(err, &terr) {
		return err
	}
	switch terr.StatusCode {
	case http.StatusUnauthorized:
		return fmt.Errorf("the registry refused the credentials (401 Unauthorized): %w; hint: check --username and the password (--password-stdin or OCI_PASSWORD), or run docker login for this registry", err)
	case http.StatusForbidden:
		return fmt.Errorf("the registry denied access (403 Forbidden): %w; hint: the credentials are valid but lack permission on this repository", err)
	case http.StatusNotFound:
		return fmt.Errorf("%w; hint: check the repository and tag with kubectl flux-oci list", err)
	}
	return err
}

// IsNotFound reports whether err means the artifact or repository does
// not exist, as opposed to being unreachable or forbidden.
func IsNotFound(err error) bool {
	var terr *transport.Error
	if !errors.As(err, &terr) {
		return false
	}
	if terr.StatusCode == http.StatusNotFound {
		return true
	}
	for _, d := range terr.Errors {
		if d.Code == transport.ManifestUnknownErrorCode || d.Code == transport.NameUnknownErrorCode {
			return true
		}
	}
	return false
}
