package report

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// decodeStatsFast reads a statistics.json into f in one pass over its bytes, without
// encoding/json's validation scan and reflection, which cost most of a small job's report: a
// baseline's KLL sketches hold thousands of numbers per feature. It handles the files the
// analyzer and SageMaker write (exact key names, each key once, values of the expected types)
// and gives up on anything else — malformed JSON, a key that differs from a field name only in
// case, a repeated key, a value of another type, an escaped or non-ASCII string it cannot copy
// as it is and encoding/json rejects — by returning false, and then the caller decodes with
// encoding/json, whose result and error stand. When it returns true, f is what json.Unmarshal
// gives (TestDecodeStatsFastSameAsJSON, FuzzDecodeStatsFast).
func decodeStatsFast(b []byte, f *statsFile) bool {
	d := &fastDec{b: b}
	if !d.object(func(key string) bool {
		switch key {
		case "dataset":
			return d.object(func(key string) bool {
				if key == "item_count" {
					return ptr(d, &f.Dataset.ItemCount, d.int64)
				}
				return d.unknown(key, "item_count")
			})
		case "features":
			return array(d, &f.Features, d.feature)
		}
		return d.unknown(key, "dataset", "features")
	}) {
		return false
	}
	d.ws()
	return d.i == len(d.b)
}

// fastDec is decodeStatsFast's cursor. Every method returns false as soon as the input is not
// what it handles.
type fastDec struct {
	b     []byte
	i     int
	depth int
}

// maxDepth: nesting deeper than this is left to encoding/json (which allows 10,000 levels).
const maxDepth = 1000

func (d *fastDec) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// next skips white space and returns the next byte, 0 at the end.
func (d *fastDec) next() byte {
	d.ws()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

// null consumes a null literal if one is next.
func (d *fastDec) null() bool {
	if d.next() == 'n' && bytes.HasPrefix(d.b[d.i:], []byte("null")) {
		d.i += 4
		return true
	}
	return false
}

// object reads an object (or null: nothing to do, as encoding/json leaves a struct alone on
// null), calling field for each key with the cursor on its value; field consumes the value.
// A repeated key gives up: encoding/json would merge the two values.
func (d *fastDec) object(field func(key string) bool) bool {
	if d.null() {
		return true
	}
	if d.next() != '{' || d.depth >= maxDepth {
		return false
	}
	d.i++
	d.depth++
	var seen []string
	for first := true; ; first = false {
		if d.next() == '}' {
			d.i++
			d.depth--
			return true
		}
		if !first {
			if d.next() != ',' {
				return false
			}
			d.i++
		}
		key, ok := d.str()
		if !ok || d.next() != ':' {
			return false
		}
		d.i++
		for _, k := range seen {
			if k == key {
				return false
			}
		}
		seen = append(seen, key)
		if !field(key) {
			return false
		}
	}
}

// array reads null (a nil slice) or an array into *s (non-nil, even when empty, as
// encoding/json), reading each element with elem.
func array[T any](d *fastDec, s *[]T, elem func(*T) bool) bool {
	if d.null() {
		*s = nil
		return true
	}
	if d.next() != '[' || d.depth >= maxDepth {
		return false
	}
	d.i++
	d.depth++
	out := []T{}
	for first := true; ; first = false {
		if d.next() == ']' {
			d.i++
			d.depth--
			*s = out
			return true
		}
		if !first {
			if d.next() != ',' {
				return false
			}
			d.i++
		}
		var zero T
		out = append(out, zero) // read in place: a local passed to elem would escape, one allocation per element
		if !elem(&out[len(out)-1]) {
			return false
		}
	}
}

// unknown skips the value of a key that matches no field, and gives up on a key that
// encoding/json would match to one of names case-insensitively.
func (d *fastDec) unknown(key string, names ...string) bool {
	for _, n := range names {
		if strings.EqualFold(key, n) {
			return false
		}
	}
	return d.skip()
}

// skip consumes any JSON value.
func (d *fastDec) skip() bool {
	switch c := d.next(); {
	case c == '{':
		return d.object(func(string) bool { return d.skip() })
	case c == '[':
		var s []struct{}
		return array(d, &s, func(*struct{}) bool { return d.skip() })
	case c == '"':
		_, ok := d.str()
		return ok
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.null()
	}
	_, ok := d.number()
	return ok
}

func (d *fastDec) literal(s string) bool {
	if bytes.HasPrefix(d.b[d.i:], []byte(s)) {
		d.i += len(s)
		return true
	}
	return false
}

// str reads a string. Plain printable ASCII is taken as it is; anything else (escapes, UTF-8,
// control characters) goes through encoding/json, so invalid UTF-8 becomes U+FFFD as there.
func (d *fastDec) str() (string, bool) {
	if d.next() != '"' {
		return "", false
	}
	start := d.i
	d.i++
	plain := true
	for ; d.i < len(d.b); d.i++ {
		switch c := d.b[d.i]; {
		case c == '"':
			d.i++
			if plain {
				return string(d.b[start+1 : d.i-1]), true
			}
			var s string
			if json.Unmarshal(d.b[start:d.i], &s) != nil {
				return "", false
			}
			return s, true
		case c == '\\':
			plain = false
			d.i++ // the escaped byte; encoding/json checks the escape
		case c < 0x20 || c >= utf8.RuneSelf:
			plain = false
		}
	}
	return "", false
}

// number reads a JSON number token (RFC 8259 grammar).
func (d *fastDec) number() ([]byte, bool) {
	d.ws()
	b, i := d.b, d.i
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return nil, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return nil, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	d.i = i
	return b[start:i], true
}

// num reads what Num.UnmarshalJSON reads: a number, a string, or null (leaving *n alone).
func (d *fastDec) num(n *Num) bool {
	switch d.next() {
	case 'n':
		return d.null()
	case '"':
		start := d.i
		if _, ok := d.str(); !ok {
			return false
		}
		return n.UnmarshalJSON(d.b[start:d.i]) == nil
	}
	tok, ok := d.number()
	if !ok {
		return false
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil {
		return false // out of range: encoding/json's error via Num.UnmarshalJSON
	}
	*n = Num(f)
	return true
}

// ptr reads null (nil) or, with read, a value into a new *T.
func ptr[T any](d *fastDec, p **T, read func(*T) bool) bool {
	if d.null() {
		*p = nil
		return true
	}
	v := new(T)
	*p = v
	return read(v)
}

func (d *fastDec) int64(p *int64) bool {
	if d.null() {
		return true
	}
	tok, ok := d.number()
	if !ok {
		return false
	}
	v, err := strconv.ParseInt(string(tok), 10, 64)
	if err != nil {
		return false // a fraction, an exponent or out of range: encoding/json's error
	}
	*p = v
	return true
}

func (d *fastDec) string(p *string) bool {
	if d.null() {
		return true
	}
	s, ok := d.str()
	*p = s
	return ok
}

func (d *fastDec) feature(ft *statsFeature) bool {
	return d.object(func(key string) bool {
		switch key {
		case "name":
			return d.string(&ft.Name)
		case "inferred_type":
			return d.string(&ft.InferredType)
		case "numerical_statistics":
			if d.null() {
				return true
			}
			ft.Numerical = new(numericalStat)
			return d.numerical(ft.Numerical)
		case "string_statistics":
			if d.null() {
				return true
			}
			ft.String = new(stringStat)
			return d.stringStats(ft.String)
		}
		return d.unknown(key, "name", "inferred_type", "numerical_statistics", "string_statistics")
	})
}

func (d *fastDec) common(c *commonStat) bool {
	return d.object(func(key string) bool {
		switch key {
		case "num_present":
			return d.int64(&c.NumPresent)
		case "num_missing":
			return d.int64(&c.NumMissing)
		}
		return d.unknown(key, "num_present", "num_missing")
	})
}

func (d *fastDec) numerical(ns *numericalStat) bool {
	return d.object(func(key string) bool {
		switch key {
		case "common":
			return d.common(&ns.Common)
		case "mean":
			return ptr(d, &ns.Mean, d.num)
		case "sum":
			return ptr(d, &ns.Sum, d.num)
		case "std_dev":
			return ptr(d, &ns.StdDev, d.num)
		case "min":
			return ptr(d, &ns.Min, d.num)
		case "max":
			return ptr(d, &ns.Max, d.num)
		case "approximate_num_distinct_values":
			return ptr(d, &ns.Distinct, d.num)
		case "completeness":
			return ptr(d, &ns.Completeness, d.num)
		case "distribution":
			return d.object(func(key string) bool {
				if key != "kll" {
					return d.unknown(key, "kll")
				}
				if d.null() {
					return true
				}
				ns.Distribution.KLL = new(kllDist)
				return d.kll(ns.Distribution.KLL)
			})
		}
		return d.unknown(key, "common", "mean", "sum", "std_dev", "min", "max",
			"approximate_num_distinct_values", "completeness", "distribution")
	})
}

func (d *fastDec) kll(k *kllDist) bool {
	return d.object(func(key string) bool {
		switch key {
		case "buckets":
			return array(d, &k.Buckets, func(b *kllBucket) bool {
				return d.object(func(key string) bool {
					switch key {
					case "lower_bound":
						return d.num(&b.Lower)
					case "upper_bound":
						return d.num(&b.Upper)
					case "count":
						return d.num(&b.Count)
					}
					return d.unknown(key, "lower_bound", "upper_bound", "count")
				})
			})
		case "sketch":
			if d.null() {
				return true
			}
			k.Sketch = new(kllSketch)
			s := k.Sketch
			return d.object(func(key string) bool {
				switch key {
				case "parameters":
					return d.object(func(key string) bool {
						switch key {
						case "c":
							return d.num(&s.Parameters.C)
						case "k":
							return d.num(&s.Parameters.K)
						}
						return d.unknown(key, "c", "k")
					})
				case "data":
					return array(d, &s.Data, func(level *[]Num) bool {
						return array(d, level, d.num)
					})
				}
				return d.unknown(key, "parameters", "data")
			})
		}
		return d.unknown(key, "buckets", "sketch")
	})
}

func (d *fastDec) stringStats(ss *stringStat) bool {
	return d.object(func(key string) bool {
		switch key {
		case "common":
			return d.common(&ss.Common)
		case "distinct_count":
			return ptr(d, &ss.Distinct, d.num)
		case "completeness":
			return ptr(d, &ss.Completeness, d.num)
		case "distribution":
			return d.object(func(key string) bool {
				if key != "categorical" {
					return d.unknown(key, "categorical")
				}
				if d.null() {
					return true
				}
				ss.Distribution.Categorical = new(catDist)
				c := ss.Distribution.Categorical
				return d.object(func(key string) bool {
					if key != "buckets" {
						return d.unknown(key, "buckets")
					}
					return array(d, &c.Buckets, func(b *catBucket) bool {
						return d.object(func(key string) bool {
							switch key {
							case "value":
								return d.string(&b.Value)
							case "count":
								return d.int64(&b.Count)
							}
							return d.unknown(key, "value", "count")
						})
					})
				})
			})
		}
		return d.unknown(key, "common", "distinct_count", "completeness", "distribution")
	})
}
