package registrytest

import (
	"io"
	"log"
)

// nopLogger silences the registry: its request log would drown test output.
func nopLogger() *log.Logger { return log.New(io.Discard, "", 0) }
