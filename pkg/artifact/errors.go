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
		return fmt.Errorf("%w; hint: check --username and the password (--password-stdin or OCI_PASSWORD), or run docker login for this registry", err)
	case http.StatusForbidden:
		return fmt.Errorf("%w; hint: the credentials are valid but lack permission on this repository", err)
	case http.StatusNotFound:
		return fmt.Errorf("%w; hint: check the repository and tag with kubectl flux-oci list", err)
	}
	return err
}
