// Package mutate makes seeded random edits of valid inputs — near misses of a format, which
// random fuzzing rarely reaches — for differential tests of hand-written decoders against
// encoding/json.
package mutate

import (
	"math/rand/v2"
	"slices"
)

// JSONAlphabet is the bytes a replacement draws from: JSON punctuation, digits, the letters of
// literals and Jackson's non-finite numbers, a quote and a backslash, whitespace, invalid UTF-8 and
// a NUL.
const JSONAlphabet = `{}[],:"\ 0123456789.-+eEnulltruefalseNaNInfinity` + "\t\n\xff\x00"

// Edit returns a copy of b with 1–3 random edits: a byte replaced from alphabet, up to 8 bytes
// deleted, up to 40 bytes duplicated, or the input cut short. at picks where each edit goes (nil:
// anywhere); it gets the current bytes and returns an index in them. The result is never empty.
func Edit(r *rand.Rand, b []byte, alphabet string, at func(r *rand.Rand, b []byte) int) []byte {
	b = slices.Clone(b)
	for range 1 + r.IntN(3) {
		if len(b) == 0 {
			break
		}
		i := r.IntN(len(b))
		if at != nil {
			i = at(r, b)
		}
		switch r.IntN(4) {
		case 0:
			b[i] = alphabet[r.IntN(len(alphabet))]
		case 1:
			b = slices.Delete(b, i, min(len(b), i+1+r.IntN(8)))
		case 2:
			b = slices.Insert(b, i, b[i:min(len(b), i+1+r.IntN(40))]...)
		case 3:
			b = b[:i]
		}
		if len(b) == 0 {
			b = []byte("{")
		}
	}
	return b
}
