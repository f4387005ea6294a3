package dtype

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// checkParse compares Parse with the straightforward path it replaces: the regex oracle and
// Classify for the kind, Cast (strconv.ParseInt / ParseFloat) for the value, bit for bit.
func checkParse(t *testing.T, v string) {
	t.Helper()
	k, x, ok := Parse(v)
	if want := classifySlow(v); k != want {
		t.Fatalf("Parse(%q) kind %v, regex says %v", v, k, want)
	}
	if want := Classify(v); k != want {
		t.Fatalf("Parse(%q) kind %v, Classify says %v", v, k, want)
	}
	var wx float64
	var wok bool
	if k.IsNumeric() {
		wx, wok = Cast(v, k)
	}
	if ok != wok || math.Float64bits(x) != math.Float64bits(wx) {
		t.Fatalf("Parse(%q) = %v (%#x), %v; Cast gives %v (%#x), %v", v, x, math.Float64bits(x), ok,
			wx, math.Float64bits(wx), wok)
	}
}

// TestCastSemantics pins the cast rules with values derived from Java/Spark semantics, not from
// the implementation: Spark trims blanks before casting, casts Integral strings through a long
// (so "-0" is +0.0 while "-0.0" is Double.parseDouble's -0.0), and Java parses out-of-range
// doubles to ±Infinity and underflows to 0.
func TestCastSemantics(t *testing.T) {
	negZero := math.Copysign(0, -1)
	cases := []struct {
		in   string
		kind Kind
		x    float64
		ok   bool
	}{
		{"5", Integral, 5, true},
		{" 5", Integral, 5, true},
		{"+5", Integral, 5, true},
		{"- 5", Integral, 0, false},
		{"+ 1E+1", Fractional, 0, false},
		{"007", Integral, 7, true},
		{"-0", Integral, 0, true},
		{"-0.0", Fractional, negZero, true},
		{"-0e5", Fractional, negZero, true},
		{"0.1", Fractional, 0.1, true},
		{"1e5", Fractional, 100000, true},
		{"1E-5", Fractional, 0.00001, true},
		{"1.5e3", Fractional, 1500, true},
		{"-12.25", Fractional, -12.25, true},
		{"9223372036854775807", Integral, 9223372036854775807, true},
		{"-9223372036854775808", Integral, -9223372036854775808, true},
		{"99999999999999999999", Integral, 1e20, true}, // beyond int64: kept as a double
		{"1e400", Fractional, math.Inf(1), true},
		{"-1e400", Fractional, math.Inf(-1), true},
		{"1e-400", Fractional, 0, true},
		{"9007199254740993", Integral, 9007199254740992, true}, // 2^53+1 rounds to even
		{"9007199254740993.0", Fractional, 9007199254740992, true},
		{"0.30000000000000004", Fractional, 0.30000000000000004, true},
		{"123456789012345678901234567890", Integral, 1.2345678901234568e29, true},
		{"NaN", String, 0, false},
		{"Infinity", String, 0, false},
		{".5", String, 0, false},
		{"5.", String, 0, false},
		{"5 ", String, 0, false},
		{"true", Boolean, 0, false},
		{"", String, 0, false},
	}
	for _, c := range cases {
		k, x, ok := Parse(c.in)
		if k != c.kind || ok != c.ok || math.Float64bits(x) != math.Float64bits(c.x) {
			t.Errorf("Parse(%q) = %v, %v, %v; want %v, %v, %v", c.in, k, x, ok, c.kind, c.x, c.ok)
		}
		checkParse(t, c.in)
	}
}

// TestParseMatchesCast is the differential test of Parse's fast path: random byte strings over the
// number alphabet, structured numbers around every boundary of the fast path (19 significant digits,
// 2^53, |exponent| 22, the int64 range), and formatted random doubles as real data has them.
func TestParseMatchesCast(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	n := 300000
	if testing.Short() {
		n = 30000
	}
	alphabet := []byte("0123456789+-. eE")
	for range n {
		b := make([]byte, r.IntN(12))
		for j := range b {
			b[j] = alphabet[r.IntN(len(alphabet))]
		}
		checkParse(t, string(b))
	}
	digits := func(k int) string {
		var sb strings.Builder
		for range k {
			sb.WriteByte(byte('0' + r.IntN(10)))
		}
		return sb.String()
	}
	signs := []string{"", "-", "+", " ", "- ", "+ "}
	for range n {
		var sb strings.Builder
		sb.WriteString(signs[r.IntN(len(signs))])
		sb.WriteString(strings.Repeat("0", r.IntN(3)*r.IntN(2)))
		sb.WriteString(digits(1 + r.IntN(22)))
		if r.IntN(3) > 0 {
			sb.WriteByte('.')
			sb.WriteString(digits(1 + r.IntN(22)))
		}
		if r.IntN(3) == 0 {
			sb.WriteString([]string{"e", "E"}[r.IntN(2)])
			sb.WriteString([]string{"", "-", "+"}[r.IntN(3)])
			sb.WriteString(strconv.Itoa(r.IntN(30)))
		}
		checkParse(t, sb.String())
	}
	// Mantissas at the 2^53 and 19-digit edges with every exponent the fast path takes, and just
	// beyond it.
	for _, m := range []uint64{1<<53 - 1, 1 << 53, 1<<53 + 1, 999999999999999999, 1e18, 9999999999999999999,
		4503599627370497, 1} {
		for e := -25; e <= 25; e++ {
			ms := strconv.FormatUint(m, 10)
			checkParse(t, ms+"e"+strconv.Itoa(e))
			checkParse(t, "-"+ms+"E"+strconv.Itoa(e))
			if e < 0 && -e < len(ms) {
				checkParse(t, ms[:len(ms)+e]+"."+ms[len(ms)+e:])
			}
		}
	}
	for _, v := range []string{"9223372036854775806", "9223372036854775807", "9223372036854775808",
		"-9223372036854775807", "-9223372036854775808", "-9223372036854775809", "999999999999999999",
		"1000000000000000000", "-999999999999999999", "0000000000000000000000001", "1e999999999999",
		"1e-999999999999", "0e999", "0.0000000000000000000000000001", "4.9e-324", "2.4703282292062327e-324",
		"1.7976931348623157e308", "1.7976931348623159e308"} {
		checkParse(t, v)
	}
	for range n {
		f := math.Float64frombits(r.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		switch r.IntN(4) {
		case 0:
			f = math.Round(math.Exp(10+r.NormFloat64())*100) / 100
		case 1:
			f = r.NormFloat64()*15 + 600
		case 2:
			f = r.Float64()
		}
		for _, v := range []string{
			strconv.FormatFloat(f, 'f', -1, 64), strconv.FormatFloat(f, 'f', r.IntN(8), 64),
			strconv.FormatFloat(f, 'e', -1, 64), strconv.FormatFloat(f, 'g', 1+r.IntN(17), 64),
			strconv.FormatFloat(f, 'E', r.IntN(20), 64),
		} {
			checkParse(t, v)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1", "-1.5e3", " 5", "- 5", "true", "x", "1.", "-0", "-0.0", "+.5",
		"9007199254740993", "123456789.123456789e-5", "1e22", "1e23", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkParse(t, s) })
}

// go test -run '^$' -bench 'Parse|Cast' -benchmem ./stats/dtype/
//
// The values of the benchmark job's numeric columns (internal/datagen): id, age, income, score,
// ratio, count.
var numericSamples = []string{"3456789", "87", "34336.48", "609.914", "0.78523", "2", "1.23456e-05",
	"614658.9799806821"}

func BenchmarkParse(b *testing.B) {
	benchValues(b, numericSamples, func(v string) { Parse(v) })
}

// BenchmarkClassifyCast is what Parse replaces: Classify, then Cast.
func BenchmarkClassifyCast(b *testing.B) {
	benchValues(b, numericSamples, func(v string) {
		if k := Classify(v); k.IsNumeric() {
			Cast(v, k)
		}
	})
}

func benchValues(b *testing.B, vals []string, f func(string)) {
	var n int
	for _, v := range vals {
		n += len(v)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, v := range vals {
			f(v)
		}
	}
	b.ReportMetric(float64(len(vals)*b.N)/b.Elapsed().Seconds()/1e6, "Mvalues/s")
}

// BenchmarkParseColumn parses 3 × 32 Ki values shaped like the benchmark job's high-cardinality
// numeric columns (income with two decimals, score with three, ratio with up to six), column
// after column as addStrings sees them — unlike BenchmarkParse's eight values in a loop, whose
// lengths the branch predictor learns.
//
//	go test -run '^$' -bench ParseColumn ./stats/dtype/
func BenchmarkParseColumn(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 9))
	var vals []string
	for col := range 3 {
		for range 32 << 10 {
			switch col {
			case 0:
				vals = append(vals, strconv.FormatFloat(math.Round(r.ExpFloat64()*50000*100)/100, 'f', -1, 64))
			case 1:
				vals = append(vals, strconv.FormatFloat(math.Round((r.NormFloat64()*100+600)*1000)/1000, 'f', -1, 64))
			default:
				vals = append(vals, strconv.FormatFloat(math.Round(r.Float64()*1e6)/1e6, 'f', -1, 64))
			}
		}
	}
	var sink float64
	benchValues(b, vals, func(v string) { _, x, _ := Parse(v); sink += x })
	_ = sink
}
