package sagemaker

import (
	"errors"
	"strconv"
)

// errNotFast: a sketch's data is not an array of arrays of plain JSON numbers, so ParseStatistics
// reads the file again with encoding/json alone.
var errNotFast = errors.New("sagemaker: sketch data needs the encoding/json reading")

// fastLevels is a KLL sketch's "data" (an array of levels, each an array of doubles) read in one
// pass, without encoding/json's reflection and per-item UnmarshalJSON call. All levels share one
// backing array; each level's capacity ends at its length, so appending to one cannot overwrite
// the next.
type fastLevels struct{ lv [][]float64 }

// levels returns the levels in the shape flexLevels gives: a non-nil outer slice (empty for a
// null "data") and non-nil levels.
func (f fastLevels) levels() [][]float64 {
	if f.lv == nil {
		return [][]float64{}
	}
	return f.lv
}

// UnmarshalJSON reads b if it is exactly '[' levels ']' with each level '[' numbers ']', the
// numbers in ParseFloat range; anything else (null, strings such as Jackson's "NaN", nested
// values, a number ParseFloat rejects) returns errNotFast. encoding/json has validated b as one
// JSON value before calling this, so a token starting like a number is a JSON number.
func (f *fastLevels) UnmarshalJSON(b []byte) error {
	n := 1 // items ≤ commas + 1
	for _, c := range b {
		if c == ',' {
			n++
		}
	}
	p := levelParser{b: b}
	flat := make([]float64, 0, n)
	var bounds []int
	if !p.eat('[') {
		return errNotFast
	}
	if !p.eat(']') {
		for {
			if !p.eat('[') {
				return errNotFast
			}
			if !p.eat(']') {
				for {
					x, ok := p.number()
					if !ok {
						return errNotFast
					}
					flat = append(flat, x)
					if p.eat(']') {
						break
					}
					if !p.eat(',') {
						return errNotFast
					}
				}
			}
			bounds = append(bounds, len(flat))
			if p.eat(']') {
				break
			}
			if !p.eat(',') {
				return errNotFast
			}
		}
	}
	if p.skipSpace(); p.i != len(b) {
		return errNotFast
	}
	f.lv = make([][]float64, len(bounds))
	lo := 0
	for j, hi := range bounds {
		f.lv[j] = flat[lo:hi:hi]
		lo = hi
	}
	return nil
}

// levelParser walks the bytes of one sketch's data.
type levelParser struct {
	b []byte
	i int
}

// skipSpace skips JSON whitespace.
func (p *levelParser) skipSpace() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// eat skips whitespace and then c if it comes next, and says whether it did.
func (p *levelParser) eat(c byte) bool {
	p.skipSpace()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// number reads the JSON number at p (after whitespace) as flexFloat does: strconv.ParseFloat of
// its text. It fails on anything else and on a number out of ParseFloat's range.
func (p *levelParser) number() (float64, bool) {
	p.skipSpace()
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			p.i++
			continue
		}
		break
	}
	if p.i == start {
		return 0, false
	}
	x, err := strconv.ParseFloat(string(p.b[start:p.i]), 64)
	return x, err == nil
}
