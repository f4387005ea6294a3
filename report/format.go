package report

import (
	"math"
	"strconv"
	"strings"
)

// formatInt writes n with thousands separators: 23432 → "23,432".
func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	return sign(neg) + groupThousands(s)
}

func sign(neg bool) string {
	if neg {
		return "−" // U+2212, the minus sign
	}
	return ""
}

// groupThousands inserts commas into a string of digits.
func groupThousands(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	head := len(digits) % 3
	if head > 0 {
		b.WriteString(digits[:head])
	}
	for i := head; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// formatNum writes x for people: at most 6 significant digits, thousands separators, no trailing
// zeros, scientific notation only below 0.0001 and from 10^15 on:
// 614658.98 → "614,659", 0.7525000000000001 → "0.7525", 1.44e10 → "14,402,689,219", 2.5e-7 → "2.5e−7".
func formatNum(x float64) string {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case math.IsInf(x, 1):
		return "∞"
	case math.IsInf(x, -1):
		return "−∞"
	case x == 0:
		return "0"
	}
	neg := x < 0
	a := math.Abs(x)
	if a >= 1e15 || a < 1e-4 {
		s := strconv.FormatFloat(a, 'e', 5, 64) // d.ddddde±xx
		mant, exp, _ := strings.Cut(s, "e")
		mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
		exp = strings.TrimLeft(strings.TrimPrefix(exp, "+"), "0")
		if strings.HasPrefix(exp, "-") {
			exp = "−" + strings.TrimLeft(exp[1:], "0")
		}
		return sign(neg) + mant + "e" + exp
	}
	var s string
	if a == math.Trunc(a) {
		s = strconv.FormatFloat(a, 'f', 0, 64)
	} else {
		decimals := max(0, 5-int(math.Floor(math.Log10(a))))
		s = strconv.FormatFloat(a, 'f', decimals, 64)
		if strings.Contains(s, ".") {
			s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	out := groupThousands(intPart)
	if hasFrac {
		out += "." + frac
	}
	if out == "0" {
		return "0"
	}
	return sign(neg) + out
}

// formatPct writes a fraction (0 to 1) as a percentage with one decimal, or more when one decimal
// would round a value that is not exactly 0 or 1 to "0.0%" or "100.0%": 0.99996 → "99.996%".
func formatPct(frac float64) string {
	if math.IsNaN(frac) || math.IsInf(frac, 0) {
		return formatNum(frac)
	}
	p := 100 * frac
	if p == 100 || p == 0 {
		return strconv.FormatFloat(p, 'f', 0, 64) + "%"
	}
	s := ""
	for d := 1; d <= 6; d++ {
		s = strconv.FormatFloat(p, 'f', d, 64)
		if v, _ := strconv.ParseFloat(s, 64); v != 100 && v != 0 {
			break
		}
	}
	return strings.Replace(s, "-", "−", 1) + "%"
}

// formatShort writes x with 3 significant digits, for labels inside charts: 0.239968 → "0.24".
func formatShort(x float64) string {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return formatNum(x)
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 3, 64), 64)
	if err != nil {
		return formatNum(x)
	}
	return formatNum(r)
}

// formatEvidence writes a violation's observed value or threshold: a share for the checks that
// measure one (completeness, data type, categorical values), else a number (a distance or a
// p-value).
func formatEvidence(checkType string, n *Num) string {
	if n == nil {
		return "–"
	}
	switch checkType {
	case "completeness_check", "data_type_check", "categorical_values_check":
		return formatPct(float64(*n))
	}
	return formatNum(float64(*n))
}
