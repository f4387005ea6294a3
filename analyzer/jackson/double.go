package jackson

import (
	"math"
	"strconv"
)

// FormatDouble formats x exactly as Java's Double.toString(double) does from JDK 19 on
// (JDK-4511638, CSR JDK-8202555), which is what Jackson writes for a double. See AppendDouble.
func FormatDouble(x float64) string {
	var buf [32]byte
	return string(AppendDouble(buf[:0], x))
}

// AppendDouble appends Java's Double.toString(x) to dst and returns the extended slice. It does
// not allocate unless dst must grow.
//
// The Javadoc of Double.toString (JDK 19+) defines the result in two stages:
//
//   - Selection. Let R be the set of decimals d×10^i (d not a multiple of 10) that round to x
//     under IEEE 754 round-to-nearest, and m the minimal length (number of digits of d) in R.
//     If m ≥ 2, T is the set of decimals of R with length m; if m = 1, T is the set of decimals
//     of R with length 1 or 2. The decimal chosen is the one in T closest to x (the one with an
//     even significand on a tie).
//   - Formatting, with e the exponent of the chosen decimal in scientific form (d1.d2…dn×10^e):
//     for 10^-3 ≤ |x| < 10^7 (−3 ≤ e < 7) plain notation with at least one digit after the
//     point ("0.001", "100.0", "9999999.999"); otherwise computerized scientific notation
//     d1.d2…dnE<e>, again with at least one fractional digit ("1.0E7", "9.999E-4", "4.9E-324").
//   - NaN is "NaN", the infinities "Infinity" and "-Infinity", the zeros "0.0" and "-0.0".
//
// For m ≥ 2 the chosen decimal is exactly strconv's shortest round-trip form (shortest, then
// closest). The m = 1 rule only changes the result for a few subnormals: Double.MIN_VALUE is
// "4.9E-324", not "5.0E-324".
//
// JDK 8–18 used an older algorithm (FloatingDecimal) that is not always shortest: JDK 17 prints
// 1.0E23 as "9.999999999999999E22", 2.82879384806159E17 as "2.82879384806159008E17" and
// 2×Double.MIN_VALUE as "1.0E-323". Such values are rare: JDK 17 and JDK 25 agree on all
// 268,472 doubles of the Jackson fixtures and on a million random doubles, so the fixtures
// cannot tell which JDK the container runs. Contract §6.2 found the shortest form on all
// 307,409 doubles of three real statistics files; this package follows JDK 19+.
func AppendDouble(dst []byte, x float64) []byte {
	switch {
	case x != x:
		return append(dst, "NaN"...)
	case x > math.MaxFloat64:
		return append(dst, "Infinity"...)
	case x < -math.MaxFloat64:
		return append(dst, "-Infinity"...)
	case x == 0:
		if math.Signbit(x) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	if x < 0 {
		dst = append(dst, '-')
		x = -x
	}
	// Fast path for whole numbers below 10^7 (counts, bucket bounds, most sketch items): the
	// shortest decimal of an integer-valued double below 2^53 is the integer itself.
	if x < 1e7 && x == math.Trunc(x) {
		dst = strconv.AppendUint(dst, uint64(x), 10)
		return append(dst, '.', '0')
	}

	var buf [32]byte
	if digits, exp, ok := shortDecimal(x, buf[:0]); ok {
		return appendJava(dst, digits, exp)
	}
	s := strconv.AppendFloat(buf[:0], x, 'e', -1, 64) // d[.ddd]e±XX, shortest and closest
	digits, exp := splitE(s)
	if len(digits) == 1 {
		digits, exp = closestTwoDigits(x, digits, exp, buf[len(s):len(s)])
	}
	return appendJava(dst, digits, exp)
}

// shortDecimal finds the digits and exponent of x > 0 (as splitE returns them) without a search for
// the shortest form when x is a short decimal m·10^-k, 1 ≤ k ≤ maxShortScale, of at most 15
// significant digits — what data read from text mostly is (614.658, 0.78523), and so
// most KLL sketch items of statistics.json. It reports false for anything else.
//
// It takes m = round(x·10^k) for the smallest k at which m·2^-50 bounds |x·10^k − m| (for a
// decimal x the product is within a few units of m's last place of m; otherwise the test fails
// but for one value in 2^50 or so), and checks m / 10^k == x: an IEEE division of two exact
// operands (m < 10^15 < 2^53, 10^k < 2^53) is the correctly rounded value of the decimal, so the
// decimal rounds to x. No other decimal of at most 15 significant digits rounds to the same
// double (15 digits round-trip through a double: two of them rounding to x would both be x's
// 15-digit form), so this one is the shortest and the only one of its length — the decimal
// Double.toString selects (see AppendDouble; x ≥ 10^-8 is normal, so the m = 1 rule keeps a
// one-digit decimal). The smallest k gives m without trailing zeros, but for a whole number
// (those from 10^7 on reach it; AppendDouble writes smaller ones itself): k = 1 gives it one,
// which is trimmed.
func shortDecimal(x float64, buf []byte) (digits []byte, exp int, ok bool) {
	// A decimal of k ≤ maxShortScale places is one of maxShortScale places too: one test rules
	// out most other doubles (a long fraction, a computed mean) before the loop.
	if y := x * exact10[maxShortScale]; y < 1e15 && math.Abs(y-math.RoundToEven(y)) > y*0x1p-50 {
		return nil, 0, false
	}
	for k := 1; k <= maxShortScale; k++ {
		y := x * exact10[k]
		if !(y < 1e15) {
			return nil, 0, false
		}
		m := math.RoundToEven(y)
		if math.Abs(y-m) > y*0x1p-50 || m/exact10[k] != x {
			continue
		}
		digits = strconv.AppendUint(buf, uint64(m), 10)
		exp = len(digits) - 1 - k
		for digits[len(digits)-1] == '0' {
			digits = digits[:len(digits)-1]
		}
		return digits, exp, true
	}
	return nil, 0, false
}

// maxShortScale is the most decimal places shortDecimal tries.
const maxShortScale = 8

// exact10[k] = 10^k, exact.
var exact10 = [maxShortScale + 1]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8}

// closestTwoDigits applies the m = 1 rule of Double.toString: when a one-digit decimal rounds
// to x, the closest decimal of at most two digits that still rounds to x is chosen. The nearest
// two-digit decimal is strconv's correctly rounded 2-significant-digit form; for a normal
// double it is the one-digit decimal itself (the rounding interval is far narrower than a unit
// of the second digit), so only subnormals reach the ParseFloat check.
func closestTwoDigits(x float64, digits []byte, exp int, scratch []byte) ([]byte, int) {
	t := strconv.AppendFloat(scratch, x, 'e', 1, 64) // d.de±XX
	if t[0] == digits[0] && t[2] == '0' {
		return digits, exp // same decimal as the one-digit form (same exponent too: same value)
	}
	if y, err := strconv.ParseFloat(string(t), 64); err != nil || y != x {
		return digits, exp // cannot happen (see above); keep the shortest form
	}
	d2, e2 := splitE(t)
	if d2[1] == '0' {
		d2 = d2[:1]
	}
	return d2, e2
}

// splitE splits strconv's 'e' format "d[.ddd]e±XX" into its significant digits (in place, the
// '.' removed) and its decimal exponent.
func splitE(s []byte) (digits []byte, exp int) {
	i := 1
	if s[1] == '.' {
		copy(s[1:], s[2:])
		s = s[:len(s)-1]
		for s[i] != 'e' {
			i++
		}
	}
	digits = s[:i]
	neg := s[i+1] == '-'
	for _, c := range s[i+2:] {
		exp = exp*10 + int(c-'0')
	}
	if neg {
		exp = -exp
	}
	return digits, exp
}

// appendJava lays out the decimal 0.d1d2…dn × 10^(exp+1) (no trailing zeros in digits) by the
// formatting stage of Double.toString.
func appendJava(dst, digits []byte, exp int) []byte {
	n := len(digits)
	switch {
	case exp < -3 || exp >= 7: // computerized scientific notation
		dst = append(dst, digits[0], '.')
		if n == 1 {
			dst = append(dst, '0')
		} else {
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'E')
		return strconv.AppendInt(dst, int64(exp), 10)
	case exp < 0: // 0.00d1d2…dn
		dst = append(dst, '0', '.')
		for range -exp - 1 {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	case n <= exp+1: // d1…dn0…0.0
		dst = append(dst, digits...)
		for range exp + 1 - n {
			dst = append(dst, '0')
		}
		return append(dst, '.', '0')
	default: // d1…dk.dk+1…dn
		dst = append(dst, digits[:exp+1]...)
		dst = append(dst, '.')
		return append(dst, digits[exp+1:]...)
	}
}
