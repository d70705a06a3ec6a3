package cmd

import (
	"fmt"
	"io"
)

// progress writes human-oriented status lines to stderr with the glyphs
// the flux CLI uses, so the two read alike. Results never go through it.
type progress struct {
	w         io.Writer
	verbosity int
}

func (p progress) Actionf(format string, args ...any)  { p.line("►", format, args...) }
func (p progress) Successf(format string, args ...any) { p.line("✔", format, args...) }
func (p progress) Warningf(format string, args ...any) { p.line("⚠", format, args...) }
func (p progress) Waitingf(format string, args ...any) { p.line("◎", format, args...) }

func (p progress) line(glyph, format string, args ...any) {
	fmt.Fprintf(p.w, glyph+" "+format+"\n", args...)
}

// V returns a log function for messages at level v, which print only when
// -v is at least v (kubectl's convention: 6 shows HTTP requests).
func (p progress) V(v int) func(format string, args ...any) {
	if p.verbosity < v {
		return nil
	}
	return func(format string, args ...any) {
		fmt.Fprintf(p.w, "I%d] "+format+"\n", append([]any{v}, args...)...)
	}
}
