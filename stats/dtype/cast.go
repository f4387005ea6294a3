package dtype

import (
	"strconv"
	"strings"
)

// Parse classifies v exactly as Classify does and, when v is Integral or Fractional, also casts it
// to a double in the same pass, as Spark casts a string column to LongType or DoubleType (see
// Cast); ok reports whether the cast succeeded. For other kinds x is 0 and ok is false.
//
// Plain decimals take an exact fast path, and everything else goes through Cast
// (strconv.ParseInt / strconv.ParseFloat):
//   - Integral with at most 18 digits: the digits as an int64, converted to float64 (what Cast
//     does through strconv.ParseInt);
//   - Fractional with at most 19 mantissa digits (integer and fraction part), whose digits form an
//     integer m < 2^53 and whose decimal exponent e (after moving the point behind the last digit)
//     satisfies |e| ≤ 22: float64(m) · 10^e or float64(m) / 10^-e. Both operands are exact
//     doubles (m < 2^53, and 10^22 = 2^22·5^22 with 5^22 < 2^53), so the single IEEE operation
//     is the correctly rounded value of the decimal, which is what strconv.ParseFloat returns
//     (Clinger, "How to read floating point numbers accurately", PLDI 1990, the "fast path").
//
// TestParseMatchesCast and FuzzParse check it against Classify and Cast bit for bit.
func Parse(v string) (k Kind, x float64, ok bool) {
	n := len(v)
	i := 0
	neg, signed := false, false
	if i < n && (v[i] == '-' || v[i] == '+') {
		neg, signed = v[i] == '-', true
		i++
	}
	blank := false
	if i < n && v[i] == ' ' {
		blank = true
		i++
	}
	// m accumulates every digit of the mantissa (integer and fraction part), nd counts them and
	// e is the decimal exponent. With nd ≤ 19, m cannot overflow (10^19 < 2^64); longer mantissas
	// (rare: leading zeros count too) take Cast.
	var m uint64
	e := 0
	d := i
	for ; d < n; d++ {
		c := v[d] - '0'
		if c > 9 {
			break
		}
		m = m*10 + uint64(c)
	}
	if d == i {
		return classifyWord(v), 0, false
	}
	nd := d - i
	i = d
	k = Integral
	if i < n {
		if v[i] == '.' {
			for d = i + 1; d < n; d++ {
				c := v[d] - '0'
				if c > 9 {
					break
				}
				m = m*10 + uint64(c)
			}
			if d == i+1 {
				return String, 0, false // "5." or "5.e3"
			}
			nd += d - i - 1
			e = i + 1 - d
			i = d
			k = Fractional
		}
		if i < n {
			if v[i] != 'e' && v[i] != 'E' {
				return String, 0, false
			}
			i++
			eneg := false
			if i < n && (v[i] == '-' || v[i] == '+') {
				eneg = v[i] == '-'
				i++
			}
			ex := 0
			for d = i; d < n; d++ {
				c := v[d] - '0'
				if c > 9 {
					break
				}
				if ex < 1e6 { // beyond that the fast path is out of reach anyway
					ex = ex*10 + int(c)
				}
			}
			if d == i || d != n {
				return String, 0, false
			}
			if eneg {
				e -= ex
			} else {
				e += ex
			}
			k = Fractional
		}
	}
	if signed && blank {
		return k, 0, false // "- 5": Spark's cast (and Cast) rejects a blank after the sign
	}
	if nd <= 19 {
		if k == Integral {
			if nd <= 18 {
				if neg {
					return k, float64(-int64(m)), true
				}
				return k, float64(int64(m)), true
			}
		} else if m < 1<<53 && e >= -22 && e <= 22 {
			f := float64(m)
			if e >= 0 {
				f *= pow10[e]
			} else {
				f /= pow10[-e]
			}
			if neg {
				f = -f
			}
			return k, f, true
		}
	}
	x, ok = Cast(v, k)
	return k, x, ok
}

// pow10 holds the powers of ten that are exact doubles: 10^0 … 10^22.
var pow10 = [23]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13,
	1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// Cast casts a value classified Integral or Fractional as Spark casts a string column to LongType or
// DoubleType: surrounding whitespace and control characters (≤ U+0020) are trimmed
// (UTF8String.trimAll, Double.parseDouble), so " 5" casts, while "- 5" (a sign, then a blank) does
// not and becomes null for the numeric statistics [S]. Integral values beyond the int64 range are
// kept as doubles (Spark would null them: a documented deviation, see docs/decisions.md); values
// beyond the double range are ±Inf, as Java parses them. It is the straightforward
// implementation behind Parse's fast path.
func Cast(v string, k Kind) (float64, bool) {
	if v == "" {
		return 0, false
	}
	if v[0] <= ' ' || v[len(v)-1] <= ' ' {
		v = strings.TrimFunc(v, func(r rune) bool { return r <= ' ' })
	}
	if k == Integral {
		if x, err := strconv.ParseInt(v, 10, 64); err == nil {
			return float64(x), true
		}
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		// ParseFloat reports out-of-range values as ±Inf with an error; Java parses them to ±Infinity.
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return x, true
		}
		return 0, false
	}
	return x, true
}
