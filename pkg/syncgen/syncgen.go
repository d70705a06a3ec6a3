// Package syncgen generates the objects that make Flux follow an OCI
// artifact: a pull Secret, a CA Secret, an OCIRepository and a Kustomization.
// It is pure: the same input always gives the same objects.
package syncgen

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"github.com/fluxcd/pkg/apis/meta"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// Credentials are what the cluster uses to pull; nil means workload identity
// (Provider) or anonymous access.
type Credentials struct {
	Registry string // host[:port]
	Username string
	Password string
}

// Verify maps to OCIRepository spec.verify.
type Verify struct {
	Provider  string // cosign or notation
	SecretRef string
	Subject   string // OIDC subject regexp (keyless cosign)
	Issuer    string // OIDC issuer regexp (keyless cosign)
}

// Sync describes one OCIRepository and the Kustomization applying it.
type Sync struct {
	Name      string
	Namespace string
	// URL is oci://host/repo, without tag.
	URL    string
	Tag    string
	SemVer string // wins over Tag when set
	// SourceInterval is how often the registry is polled.
	SourceInterval time.Duration
	// Interval and RetryInterval drive the Kustomization.
	Interval      time.Duration
	RetryInterval time.Duration
	Path          string
	Prune         bool
	Wait          bool
	Timeout       time.Duration

	Provider string
	// SecretName is the pull Secret to reference; with Credentials it is
	// also generated. Empty means no secretRef.
	SecretName  string
	Credentials *Credentials
	// CA is a PEM bundle stored in the Secret <Name>-ca for certSecretRef.
	CA       []byte
	Insecure bool
	Verify   *Verify
}

// CASecretName is the name of the certSecretRef Secret of s.
func (s Sync) CASecretName() string { return s.Name + "-ca" }

// Objects returns the Secrets (if any), the OCIRepository and the
// Kustomization of s, in apply order.
func Objects(s Sync) ([]*unstructured.Unstructured, error) {
	var typed []runtime.Object
	if s.Credentials != nil && s.SecretName != "" {
		typed = append(typed, PullSecret(s.SecretName, s.Namespace, *s.Credentials))
	}
	if len(s.CA) > 0 {
		typed = append(typed, &corev1.Secret{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: metav1.ObjectMeta{Name: s.CASecretName(), Namespace: s.Namespace},
			Type:       corev1.SecretTypeOpaque,
			Data:       map[string][]byte{"ca.crt": s.CA},
		})
	}
	typed = append(typed, repository(s), kustomization(s))
	out := make([]*unstructured.Unstructured, 0, len(typed))
	for _, t := range typed {
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(t)
		if err != nil {
			return nil, fmt.Errorf("converting %T: %w", t, err)
		}
		u := &unstructured.Unstructured{Object: m}
		unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
		unstructured.RemoveNestedField(u.Object, "status")
		out = append(out, u)
	}
	return out, nil
}

// PullSecret is a kubernetes.io/dockerconfigjson Secret for one registry,
// the format source-controller reads from secretRef.
func PullSecret(name, namespace string, c Credentials) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Type:       corev1.SecretTypeDockerConfigJson,
		Data:       map[string][]byte{corev1.DockerConfigJsonKey: DockerConfigJSON(c)},
	}
}

// DockerConfigJSON renders credentials as a Docker config.json.
func DockerConfigJSON(c Credentials) []byte {
	type entry struct {
		Username string `json:"username"`
		Password string `json:"password"`
		Auth     string `json:"auth"`
	}
	cfg := map[string]map[string]entry{"auths": {c.Registry: {
		Username: c.Username, Password: c.Password,
		Auth: base64.StdEncoding.EncodeToString([]byte(c.Username + ":" + c.Password)),
	}}}
	data, _ := json.Marshal(cfg) // a map of strings always marshals
	return data
}

func repository(s Sync) *sourcev1.OCIRepository {
	r := &sourcev1.OCIRepository{
		TypeMeta:   metav1.TypeMeta{APIVersion: sourcev1.GroupVersion.String(), Kind: sourcev1.OCIRepositoryKind},
		ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: s.Namespace},
		Spec: sourcev1.OCIRepositorySpec{
			URL:      s.URL,
			Interval: metav1.Duration{Duration: s.SourceInterval},
			Insecure: s.Insecure,
		},
	}
	if s.SemVer != "" {
		r.Spec.Reference = &sourcev1.OCIRepositoryRef{SemVer: s.SemVer}
	} else {
		r.Spec.Reference = &sourcev1.OCIRepositoryRef{Tag: s.Tag}
	}
	if s.Provider != "" && s.Provider != "generic" {
		r.Spec.Provider = s.Provider
	} else if s.SecretName != "" {
		r.Spec.SecretRef = &meta.LocalObjectReference{Name: s.SecretName}
	}
	if len(s.CA) > 0 {
		r.Spec.CertSecretRef = &meta.LocalObjectReference{Name: s.CASecretName()}
	}
	if v := s.Verify; v != nil {
		r.Spec.Verify = &sourcev1.OCIRepositoryVerification{Provider: v.Provider}
		if v.SecretRef != "" {
			r.Spec.Verify.SecretRef = &meta.LocalObjectReference{Name: v.SecretRef}
		}
		if v.Subject != "" || v.Issuer != "" {
			r.Spec.Verify.MatchOIDCIdentity = []sourcev1.OIDCIdentityMatch{{Subject: v.Subject, Issuer: v.Issuer}}
		}
	}
	return r
}

func kustomization(s Sync) *kustomizev1.Kustomization {
	k := &kustomizev1.Kustomization{
		TypeMeta:   metav1.TypeMeta{APIVersion: kustomizev1.GroupVersion.String(), Kind: kustomizev1.KustomizationKind},
		ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: s.Namespace},
		Spec: kustomizev1.KustomizationSpec{
			Interval:  metav1.Duration{Duration: s.Interval},
			SourceRef: kustomizev1.CrossNamespaceSourceReference{Kind: sourcev1.OCIRepositoryKind, Name: s.Name},
			Path:      s.Path,
			Prune:     s.Prune,
			Wait:      s.Wait,
		},
	}
	if s.RetryInterval > 0 {
		k.Spec.RetryInterval = &metav1.Duration{Duration: s.RetryInterval}
	}
	if s.Timeout > 0 {
		k.Spec.Timeout = &metav1.Duration{Duration: s.Timeout}
	}
	return k
}
