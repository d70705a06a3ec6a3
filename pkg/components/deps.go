package components

import (
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

var _ = krusty.MakeKustomizer
var _ = filesys.MakeFsInMemory
