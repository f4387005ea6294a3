package jackson

import (
	"math"
	"math/big"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestFormatDoubleTable checks the boundaries of Double.toString's layout. Expected strings
// follow the Javadoc of java.lang.Double.toString(double), JDK 19+ (CSR JDK-8202555), here
// paraphrased except where quoted:
//
//   - a decimal d×10^i (d not a multiple of 10) whose value lies in [10^-3, 10^7) is written in
//     plain notation: integer part, '.', fractional part with at least one digit ("100.0");
//   - otherwise in computerized scientific notation d1 '.' d2…dn 'E' e, with at least one digit
//     after the point and no '+' ("1.0E7", "9.999E-4");
//   - selection: "Let m be the minimal length over all decimals in R. When m ≥ 2, let T be the
//     set of all decimals in R with length m. Otherwise, let T be the set of all decimals in R
//     with length 1 or 2." and the decimal of T closest to v is chosen; hence Double.MIN_VALUE
//     is "4.9E-324" (the value java.lang.Double's source gives beside MIN_VALUE) and
//     2×MIN_VALUE "9.9E-324";
//   - "NaN" for any NaN, "Infinity", "-Infinity", "0.0", "-0.0".
//
// The remaining strings (3.8E7, 1.4402689218907343E10, 5.092682820403929E-4, 614658.9799806821)
// are copied from the housing statistics.json and contract §6.2.
func TestFormatDoubleTable(t *testing.T) {
	tenth := 0.1
	tests := []struct {
		name string
		x    float64
		want string
	}{
		{"zero", 0, "0.0"},
		{"negative zero", math.Copysign(0, -1), "-0.0"},
		{"one", 1, "1.0"},
		{"hundred", 100, "100.0"},
		{"lower plain bound 1e-3", 1e-3, "0.001"},
		{"just below 1e-3", 9.999e-4, "9.999E-4"},
		{"largest double below 1e-3", math.Nextafter(1e-3, 0), "9.999999999999998E-4"},
		{"upper plain bound 1e7", 1e7, "1.0E7"},
		{"below 1e7 with fraction", 9999999.999, "9999999.999"},
		{"largest double below 1e7", math.Nextafter(1e7, 0), "9999999.999999998"},
		{"whole number below 1e7", 3800000, "3800000.0"},
		{"negative plain", -12.5, "-12.5"},
		{"1e21", 1e21, "1.0E21"},
		{"1e-300", 1e-300, "1.0E-300"},
		{"1e-5", 1e-5, "1.0E-5"},
		{"Double.MIN_VALUE", 5e-324, "4.9E-324"},
		{"2*Double.MIN_VALUE", 1e-323, "9.9E-324"},
		{"Double.MIN_NORMAL", 0x1p-1022, "2.2250738585072014E-308"},
		{"Double.MAX_VALUE", math.MaxFloat64, "1.7976931348623157E308"},
		{"NaN", math.NaN(), "NaN"},
		{"negative NaN", math.Copysign(math.NaN(), -1), "NaN"},
		{"+Inf", math.Inf(1), "Infinity"},
		{"-Inf", math.Inf(-1), "-Infinity"},
		{"0.1+0.2", tenth + 2*tenth, "0.30000000000000004"}, // run time, not constant arithmetic
		{"2^53", 1 << 53, "9.007199254740992E15"},
		// Values printed by the real container (housing statistics.json, contract §6.2).
		{"housing price max", 3.8e7, "3.8E7"},
		{"housing price sum", 1.4402689218907343e10, "1.4402689218907343E10"},
		{"housing small value", 5.092682820403929e-4, "5.092682820403929E-4"},
		{"housing price mean", 614658.9799806821, "614658.9799806821"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatDouble(tt.x); got != tt.want {
				t.Errorf("FormatDouble(%v) = %q, want %q", tt.x, got, tt.want)
			}
			if got := string(AppendDouble([]byte("x="), tt.x)); got != "x="+tt.want {
				t.Errorf("AppendDouble(\"x=\", %v) = %q, want %q", tt.x, got, "x="+tt.want)
			}
		})
	}
}

// TestFormatDoubleOracle compares FormatDouble with javaToString, a slow exact-arithmetic
// transcription of the Javadoc, on values chosen to hit every rule: subnormals (where the m = 1
// rule matters), d×10^e for every exponent with their neighbours, powers of two (asymmetric
// rounding intervals), the plain/scientific boundaries and random bit patterns (fixed seed).
func TestFormatDoubleOracle(t *testing.T) {
	var xs []float64
	for k := range uint64(400) { // the first subnormals, where one- and two-digit decimals compete
		xs = append(xs, math.Float64frombits(k+1))
	}
	for e := -324; e <= 308; e += 1 {
		for _, d := range []float64{1, 5, 99} {
			x, err := strconv.ParseFloat(strconv.FormatFloat(d, 'f', -1, 64)+"e"+strconv.Itoa(e), 64)
			if err != nil && !strings.Contains(err.Error(), "range") {
				t.Fatal(err)
			}
			if x == 0 || math.IsInf(x, 0) {
				continue
			}
			xs = append(xs, x, math.Nextafter(x, 0), math.Nextafter(x, math.Inf(1)))
		}
	}
	for e := -1074; e <= 1023; e++ {
		x := math.Ldexp(1, e)
		xs = append(xs, x, math.Nextafter(x, 0), math.Nextafter(x, math.Inf(1)))
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for range 4000 {
		x := math.Float64frombits(rng.Uint64())
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			xs = append(xs, x)
		}
	}
	stride := 1
	if testing.Short() {
		stride = 10
	}
	bad := 0
	for i := 0; i < len(xs); i += stride {
		x := xs[i]
		if got, want := FormatDouble(x), javaToString(x); got != want {
			t.Errorf("FormatDouble(%b) = %q, Javadoc oracle says %q", x, got, want)
			if bad++; bad > 20 {
				t.Fatal("too many mismatches")
			}
		}
	}
}

// TestShortDecimalOracle checks the short-decimal path (shortDecimal) against the exact Javadoc
// oracle: decimals of 1 to 17 significant digits with 0 to 10 places (the path must take every
// one of up to 15 digits and 1 to maxShortScale places) and their neighbouring doubles, which are
// not short decimals and must come out exactly as the general path writes them.
func TestShortDecimalOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 3000
	if testing.Short() {
		n = 300
	}
	taken := 0
	for range n {
		digits := 1 + rng.IntN(17)
		m := rng.Int64N(int64(math.Pow10(digits)))
		k := rng.IntN(11)
		x, err := strconv.ParseFloat(strconv.FormatInt(m, 10)+"e-"+strconv.Itoa(k), 64)
		if err != nil || x == 0 {
			continue
		}
		trimmed := strings.TrimRight(strconv.FormatInt(m, 10), "0")
		places := k - (len(strconv.FormatInt(m, 10)) - len(trimmed))
		_, _, ok := shortDecimal(x, nil)
		if want := len(trimmed) <= 15 && places >= 1 && places <= maxShortScale; want && !ok {
			t.Errorf("shortDecimal(%v) (%de-%d) = false, want true", x, m, k)
		}
		if ok {
			taken++
		}
		for _, y := range []float64{x, math.Nextafter(x, 0), math.Nextafter(x, math.Inf(1))} {
			if got, want := FormatDouble(y), javaToString(y); got != want {
				t.Fatalf("FormatDouble(%b) = %q (from %de-%d), Javadoc oracle says %q", y, got, m, k, want)
			}
		}
	}
	if taken < n/4 {
		t.Errorf("the short-decimal path took %d of %d decimals, want at least a quarter", taken, n)
	}
}

// javaGrammar matches every string Double.toString can return: NaN, the infinities, the zeros,
// plain notation (no leading zeros, at least one fractional digit, no trailing zero unless the
// fraction is exactly "0"), and scientific notation d.ddd…E[-]n.
var javaGrammar = regexp.MustCompile(`^(NaN|-?Infinity|-?0\.0|` +
	`-?[1-9][0-9]{0,6}\.(0|[0-9]*[1-9])|` +
	`-?0\.0{0,2}[1-9]([0-9]*[1-9])?|` +
	`-?[1-9]\.(0|[0-9]*[1-9])E-?[1-9][0-9]{0,2})$`)

// FuzzFormatDouble checks, for any bit pattern, that the result parses back to the same double,
// has at most 17 significant digits, matches javaGrammar, uses plain notation exactly when
// 10^-3 ≤ |x| < 10^7, and equals the exact Javadoc oracle.
//
//	go test ./analyzer/jackson/ -run '^$' -fuzz FuzzFormatDouble -fuzztime 60s
func FuzzFormatDouble(f *testing.F) {
	f.Fuzz(func(t *testing.T, bits uint64) {
		x := math.Float64frombits(bits)
		s := FormatDouble(x)
		if !javaGrammar.MatchString(s) {
			t.Fatalf("FormatDouble(%b) = %q: not in Double.toString's grammar", x, s)
		}
		if math.IsNaN(x) {
			if s != "NaN" {
				t.Fatalf("FormatDouble(NaN) = %q", s)
			}
			return
		}
		y, err := strconv.ParseFloat(s, 64) // accepts "Infinity" and "-Infinity" too
		if err != nil || math.Float64bits(y) != bits {
			t.Fatalf("FormatDouble(%b) = %q parses back to %b (%v)", x, s, y, err)
		}
		if math.IsInf(x, 0) || x == 0 {
			return
		}
		a := math.Abs(x)
		if plain, sci := !strings.Contains(s, "E"), a < 1e-3 || a >= 1e7; plain == sci {
			t.Fatalf("FormatDouble(%b) = %q: wrong notation for magnitude %g", x, s, a)
		}
		mant := strings.TrimLeft(strings.ReplaceAll(strings.SplitN(strings.TrimPrefix(s, "-"), "E", 2)[0], ".", ""), "0")
		if mant = strings.TrimRight(mant, "0"); len(mant) > 17 {
			t.Fatalf("FormatDouble(%b) = %q: %d significant digits", x, s, len(mant))
		}
		if want := javaToString(x); s != want {
			t.Fatalf("FormatDouble(%b) = %q, Javadoc oracle says %q", x, s, want)
		}
	})
}

// javaToString is the naive oracle: Double.toString's Javadoc (JDK 19+) carried out in exact
// rational arithmetic, with no use of strconv's shortest formatting.
func javaToString(x float64) string {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case math.IsInf(x, 1):
		return "Infinity"
	case math.IsInf(x, -1):
		return "-Infinity"
	case x == 0:
		if math.Signbit(x) {
			return "-0.0"
		}
		return "0.0"
	case x < 0:
		return "-" + javaToString(-x)
	}
	v := new(big.Rat).SetFloat64(x)
	// R is the interval of reals that round to x: half-way to each neighbour, the ends included
	// when x's significand is even (ties-to-even picks x).
	ulpUp := new(big.Rat)
	if next := math.Nextafter(x, math.Inf(1)); math.IsInf(next, 0) {
		ulpUp.SetFloat64(x - math.Nextafter(x, 0)) // MaxFloat64: same spacing as below
	} else {
		ulpUp.Sub(new(big.Rat).SetFloat64(next), v)
	}
	ulpDown := new(big.Rat).Sub(v, new(big.Rat).SetFloat64(math.Nextafter(x, 0)))
	half := big.NewRat(1, 2)
	lo := new(big.Rat).Sub(v, new(big.Rat).Mul(ulpDown, half))
	hi := new(big.Rat).Add(v, new(big.Rat).Mul(ulpUp, half))
	inclusive := math.Float64bits(x)&1 == 0
	inR := func(c *big.Rat) bool {
		if inclusive {
			return c.Cmp(lo) >= 0 && c.Cmp(hi) <= 0
		}
		return c.Cmp(lo) > 0 && c.Cmp(hi) < 0
	}
	// e10 = floor(log10 x), exactly.
	e10 := int(math.Floor(math.Log10(x)))
	for pow10(e10).Cmp(v) > 0 {
		e10--
	}
	for pow10(e10+1).Cmp(v) <= 0 {
		e10++
	}
	// The decimals of length ≤ L nearest to x on either side are x rounded down and up to a
	// multiple of 10^(e10-L+1); the first L with one of them in R is the minimal length m.
	type cand struct {
		c *big.Int // significand at scale 10^q
		q int
	}
	candidates := func(L int) []cand {
		q := e10 - L + 1
		s := new(big.Rat).Quo(v, pow10(q))
		f := new(big.Int).Quo(s.Num(), s.Denom()) // floor, s > 0
		var out []cand
		for _, c := range []*big.Int{f, new(big.Int).Add(f, big.NewInt(1))} {
			if c.Sign() > 0 && inR(new(big.Rat).Mul(new(big.Rat).SetInt(c), pow10(q))) {
				out = append(out, cand{c, q})
			}
		}
		return out
	}
	// Having a candidate is monotone in L (a shorter decimal in R is also a multiple of the
	// finer scale, and R is an interval around x), so m is found by bisection over 1..17.
	lo1, hi1 := 1, 17 // invariant: candidates(hi1) != nil
	if candidates(17) == nil {
		panic("oracle: no decimal of length ≤ 17 rounds to x")
	}
	for lo1 < hi1 {
		if mid := (lo1 + hi1) / 2; candidates(mid) != nil {
			hi1 = mid
		} else {
			lo1 = mid + 1
		}
	}
	T := candidates(max(hi1, 2)) // m = 1: choose among lengths 1 and 2
	best := T[0]
	if len(T) == 2 {
		d0 := new(big.Rat).Sub(new(big.Rat).Mul(new(big.Rat).SetInt(T[0].c), pow10(T[0].q)), v)
		d1 := new(big.Rat).Sub(new(big.Rat).Mul(new(big.Rat).SetInt(T[1].c), pow10(T[1].q)), v)
		switch d0.Abs(d0).Cmp(d1.Abs(d1)) {
		case 1:
			best = T[1]
		case 0: // tie: the even significand
			if s := strings.TrimRight(T[0].c.String(), "0"); s[len(s)-1]%2 == 1 { // last non-zero digit odd
				best = T[1]
			}
		}
	}
	// Formatting stage.
	digits := best.c.String()
	q := best.q
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		q++
	}
	e := q + len(digits) - 1
	if e >= -3 && e < 7 {
		dv := new(big.Rat).Mul(new(big.Rat).SetInt(best.c), pow10(best.q))
		return dv.FloatString(max(1, len(digits)-1-e))
	}
	frac := digits[1:]
	if frac == "" {
		frac = "0"
	}
	return digits[:1] + "." + frac + "E" + strconv.Itoa(e)
}

func pow10(e int) *big.Rat {
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(e, -e))), nil)
	if e < 0 {
		return new(big.Rat).SetFrac(big.NewInt(1), p)
	}
	return new(big.Rat).SetInt(p)
}
