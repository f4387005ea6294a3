package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// randomJSONValue is a value of the kinds json.Unmarshal gives an any, with what go-echarts
// options hold: nulls, empty and nested objects, arrays of them, numbers of every magnitude
// (integers, float32-like, tiny, huge, negative zero) and strings that need escaping.
func randomJSONValue(r *rand.Rand, depth int) any {
	n := r.IntN(10)
	if depth > 4 {
		n = 4 + r.IntN(6)
	}
	switch n {
	case 0, 1:
		m := map[string]any{}
		for range r.IntN(6) {
			m[[]string{"a", "b", "type", "data", "name", "Z", "é", "x<y", ""}[r.IntN(9)]] = randomJSONValue(r, depth+1)
		}
		return m
	case 2, 3:
		a := make([]any, r.IntN(5))
		for i := range a {
			a[i] = randomJSONValue(r, depth+1)
		}
		return a
	case 4:
		return nil
	case 5:
		return []string{"", "a\"b", "<script>&", "é\u2028", "\x7f", "tab\t"}[r.IntN(6)]
	case 6:
		return r.IntN(2) == 0
	case 7:
		return float64(r.IntN(2000) - 1000)
	case 8:
		return float64(float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(50)-25))))
	}
	return []float64{r.NormFloat64() * math.Pow(10, float64(r.IntN(60)-30)), math.Copysign(0, -1), 1e21, 1e-7, 123456789012345678, 5e-324}[r.IntN(6)]
}

// prunedSlow is the definition prunedJSON implements.
func prunedSlow(t testing.TB, b []byte) []byte {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(prune(v))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPrunedJSON: on json.Marshal output prunedJSON writes what the decode–prune–marshal round
// trip writes, or declines.
func TestPrunedJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	took := 0
	for i := range 5000 {
		b, err := json.Marshal(randomJSONValue(r, 0))
		if err != nil {
			t.Fatal(err)
		}
		got, ok := prunedJSON(b)
		if !ok {
			continue
		}
		took++
		if want := prunedSlow(t, b); !bytes.Equal(got, want) {
			t.Fatalf("value %d: %s\nprunedJSON %s\nround trip %s", i, b, got, want)
		}
	}
	// It declines a top level that prunes away and objects with the key "x<y" (escaped as
	// "x\u003cy"), about a quarter of these values.
	if took < 3000 {
		t.Fatalf("prunedJSON took only %d of 5000 values", took)
	}
	t.Logf("prunedJSON took %d of 5000 values, all written as the round trip writes them", took)
	// Written by hand: repeated keys (the last wins, then may be pruned), escaped keys (declined),
	// white space, nested empties.
	for _, c := range []struct {
		in   string
		want string // "" = declined
	}{
		{`{"a":1,"a":null}`, `{}`[:0]}, // top level pruned to empty: declined, the slow path writes {}
		{`{"b":1,"a":2,"b":3}`, `{"a":2,"b":3}`},
		{`{"a":{"b":{}},"c":[{},null,{"d":null}]}`, `{"c":[{},null,{}]}`},
		{` { "x" : [ 1 , 2.50 ] } `, `{"x":[1,2.5]}`},
		{`{"\u0061":1}`, ``},
		{`[1e400]`, ``},
	} {
		got, ok := prunedJSON([]byte(c.in))
		if c.want == "" {
			if ok {
				t.Errorf("%s: took it (%s), want declined", c.in, got)
			}
			continue
		}
		if !ok || string(got) != c.want {
			t.Errorf("%s: %s, %v; want %s", c.in, got, ok, c.want)
		}
		if want := prunedSlow(t, []byte(c.in)); !bytes.Equal(got, want) {
			t.Errorf("%s: %s, the round trip writes %s", c.in, got, want)
		}
	}
}

// FuzzPrunedJSON: whatever prunedJSON takes, it writes as the round trip does.
//
//	go test -run '^$' -fuzz FuzzPrunedJSON ./report/
func FuzzPrunedJSON(f *testing.F) {
	r := rand.New(rand.NewPCG(4, 4))
	for range 20 {
		b, _ := json.Marshal(randomJSONValue(r, 0))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v any
		if json.Unmarshal(b, &v) != nil {
			return
		}
		m, err := json.Marshal(v) // prunedJSON's input is json.Marshal output
		if err != nil {
			return
		}
		if got, ok := prunedJSON(m); ok {
			if want := prunedSlow(t, m); !bytes.Equal(got, want) {
				t.Fatalf("%s: prunedJSON %s, round trip %s", m, got, want)
			}
		}
	})
}

// TestOptionTableSameAsRoundTrip: every report of the test inputs renders to the same bytes with
// the one-pass option writer as with the decode–prune–marshal round trip, and the one-pass
// writer takes every chart option go-echarts writes.
func TestOptionTableSameAsRoundTrip(t *testing.T) {
	saved := encodeOption
	t.Cleanup(func() { encodeOption = saved })
	for _, tc := range inputs() {
		m, err := Build(tc.in(t))
		if err != nil {
			t.Fatal(err)
		}
		declined := 0
		encodeOption = func(opt any) ([]byte, error) {
			b, err := json.Marshal(opt)
			if err != nil {
				return nil, err
			}
			if _, ok := prunedJSON(b); !ok {
				declined++
			}
			return optionJSON(opt)
		}
		var fast, slow bytes.Buffer
		if err := Render(&fast, m); errors.Is(err, ErrNoEcharts) {
			t.Skip("built without echarts")
		} else if err != nil {
			t.Fatal(err)
		}
		encodeOption = optionJSONSlow
		if err := Render(&slow, m); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fast.Bytes(), slow.Bytes()) {
			t.Errorf("%s: the page differs from the round trip's", tc.name)
		}
		if declined > 0 {
			t.Errorf("%s: the one-pass writer declined %d chart options", tc.name, declined)
		}
	}
}
