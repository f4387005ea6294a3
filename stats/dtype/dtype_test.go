package dtype

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

// The regexes of Deequ 2.0.2 DataType.scala as quoted in contract §5.2: the oracle for Classify.
var (
	reFractional = regexp.MustCompile(`^(-|\+)? ?\d+((\.\d+)|((?:\.\d+)?[Ee][-+]?\d+))$`)
	reIntegral   = regexp.MustCompile(`^(-|\+)? ?\d+$`)
	reBoolean    = regexp.MustCompile(`^(true|false)$`)
)

func classifySlow(s string) Kind {
	switch {
	case reFractional.MatchString(s):
		return Fractional
	case reIntegral.MatchString(s):
		return Integral
	case reBoolean.MatchString(s):
		return Boolean
	}
	return String
}

func TestClassifyExamples(t *testing.T) {
	// Consequences listed in contract §5.2.
	cases := map[string]Kind{
		"3.0": Fractional, "1e5": Fractional, " 5": Integral, "- 5": Integral, "5 ": String,
		"  5": String, "NaN": String, "TRUE": String, ".5": String, "5.": String, "true": Boolean,
		"false": Boolean, "-12": Integral, "+1.5E-3": Fractional, "1.5e": String, "": String,
		"5\n": String, "٣": String, "1.0e+10": Fractional, "1.e5": String, "--1": String,
	}
	for in, want := range cases {
		if got := Classify(in); got != want {
			t.Errorf("Classify(%q) = %v, want %v", in, got, want)
		}
		if got := classifySlow(in); got != want {
			t.Errorf("regex oracle(%q) = %v, want %v (test table wrong?)", in, got, want)
		}
	}
}

func TestClassifyMatchesRegexes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	alphabet := []byte("0123456789+-. eEtruefalsx\n")
	for i := 0; i < 200000; i++ {
		n := r.IntN(9)
		b := make([]byte, n)
		for j := range b {
			b[j] = alphabet[r.IntN(len(alphabet))]
		}
		if got, want := Classify(string(b)), classifySlow(string(b)); got != want {
			t.Fatalf("Classify(%q) = %v, regex says %v", b, got, want)
		}
	}
}

func FuzzClassify(f *testing.F) {
	for _, s := range []string{"1", "-1.5e3", " 5", "true", "x", "1.", "+ 1E+1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Classify(s), classifySlow(s); got != want {
			t.Fatalf("Classify(%q) = %v, regex says %v", s, got, want)
		}
	})
}

func TestColumnType(t *testing.T) {
	cases := []struct {
		name string
		c    Counts
		want Kind
	}{
		{"all null", Counts{Unknown: 3}, Unknown},
		{"empty", Counts{}, Unknown},
		{"ints", Counts{Integral: 2, Unknown: 1}, Integral},
		{"ints and fractions", Counts{Integral: 2, Fractional: 1}, Fractional},
		{"one string", Counts{Integral: 200, String: 1}, String},
		{"booleans", Counts{Boolean: 4}, Boolean},
		{"booleans and ints", Counts{Boolean: 4, Integral: 1}, String},
	}
	for _, c := range cases {
		if got := c.c.Column(); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// go test -run '^$' -bench Classify ./stats/dtype/
func BenchmarkClassify(b *testing.B) {
	vals := []string{"614658.9799806821", "12345", "California", "true"}
	var n int
	for _, v := range vals {
		n += len(v)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, v := range vals {
			Classify(v)
		}
	}
}
