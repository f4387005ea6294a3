package mutate

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestEdit: the input is left alone, the result is never empty, differs from the input most of
// the time, and edits land where at says.
func TestEdit(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	in := []byte(`{"a": [1, 2, 3], "b": "xyz"}`)
	orig := bytes.Clone(in)
	changed := 0
	for range 1000 {
		out := Edit(r, in, JSONAlphabet, nil)
		if len(out) == 0 {
			t.Fatal("empty result")
		}
		if !bytes.Equal(out, in) {
			changed++
		}
	}
	if !bytes.Equal(in, orig) {
		t.Fatal("Edit modified its input")
	}
	if changed < 800 {
		t.Fatalf("only %d of 1000 edits changed the input", changed)
	}
	// Edits at the last byte only: the first bytes survive every one of them.
	last := func(_ *rand.Rand, b []byte) int { return len(b) - 1 }
	for range 200 {
		out := Edit(r, []byte("0123456789"), "x", last)
		if !bytes.HasPrefix(out, []byte("01234")) {
			t.Fatalf("edit at the end changed the start: %q", out)
		}
	}
}
