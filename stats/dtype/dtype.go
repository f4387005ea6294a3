// Package dtype classifies raw string values the way Deequ's DataType analyzer does, casts numeric
// ones to doubles as Spark does (Parse does both in one pass), and derives a column's type from the
// per-value counts (contract §5.2).
//
// Usage: k := dtype.Classify("3.0") // dtype.Fractional; k, x, ok := dtype.Parse(" 5") // Integral, 5, true
package dtype

// Kind is the type of one value or of a column.
type Kind uint8

// The kinds, in the order Deequ's DataTypeHistogram counts them.
const (
	Unknown    Kind = iota // a null value; a column with no non-null values
	Fractional             // ^(-|\+)? ?\d+((\.\d+)|((?:\.\d+)?[Ee][-+]?\d+))$
	Integral               // ^(-|\+)? ?\d+$
	Boolean                // ^(true|false)$
	String                 // anything else
	NumKinds   = 5
)

// String returns the name used in statistics.json and constraints.json.
func (k Kind) String() string {
	switch k {
	case Unknown:
		return "Unknown"
	case Fractional:
		return "Fractional"
	case Integral:
		return "Integral"
	case Boolean:
		return "Boolean"
	case String:
		return "String"
	}
	return "Kind(?)"
}

// IsNumeric reports whether k is Integral or Fractional.
func (k Kind) IsNumeric() bool { return k == Integral || k == Fractional }

// Classify returns the kind of one non-null value. It is an exact, allocation-free equivalent of
// Deequ's full-string regex matches (DataType.scala, contract §5.2), tried in the order Fractional,
// Integral, Boolean; \d is ASCII [0-9] as in java.util.regex without UNICODE_CHARACTER_CLASS.
func Classify(b string) Kind {
	i := 0
	n := len(b)
	if i < n && (b[i] == '-' || b[i] == '+') {
		i++
	}
	if i < n && b[i] == ' ' {
		i++
	}
	d := digits(b, i)
	if d == i {
		return classifyWord(b)
	}
	i = d
	if i == n {
		return Integral
	}
	if b[i] == '.' {
		d = digits(b, i+1)
		if d == i+1 {
			return String // "5." or "5.e3"
		}
		i = d
		if i == n {
			return Fractional
		}
	}
	if b[i] != 'e' && b[i] != 'E' {
		return String
	}
	i++
	if i < n && (b[i] == '-' || b[i] == '+') {
		i++
	}
	d = digits(b, i)
	if d == i || d != n {
		return String
	}
	return Fractional
}

func digits(b string, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

func classifyWord(b string) Kind {
	if b == "true" || b == "false" {
		return Boolean
	}
	return String
}

// Counts holds the number of values of each kind in a column; Counts[Unknown] counts nulls.
type Counts [NumKinds]int64

// Add merges o into c.
func (c *Counts) Add(o *Counts) {
	for i := range c {
		c[i] += o[i]
	}
}

// Column returns the column type Deequ derives from the counts (DataTypeHistogram.determineType):
// no non-null value → Unknown; any String, or Boolean mixed with numbers → String; only Booleans →
// Boolean; any Fractional → Fractional; otherwise Integral.
func (c *Counts) Column() Kind {
	switch {
	case c[Fractional]+c[Integral]+c[Boolean]+c[String] == 0:
		return Unknown
	case c[String] > 0 || (c[Boolean] > 0 && c[Integral]+c[Fractional] > 0):
		return String
	case c[Boolean] > 0:
		return Boolean
	case c[Fractional] > 0:
		return Fractional
	}
	return Integral
}
