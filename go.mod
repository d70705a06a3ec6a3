module github.com/flux-oci/kubectl-flux-oci

go 1.26
