package report

import (
	"encoding/json"
	"math"
	"testing"
)

// TestNumDecode: Num reads what encoding/json reads into a float64, plus Jackson's strings.
func TestNumDecode(t *testing.T) {
	for _, in := range []string{`0`, `-0`, `1.5`, `-2e-3`, `1E+300`, `123456789012345678901234567890`, `4.9e-324`, `null`} {
		var want float64
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatal(err)
		}
		var got struct{ V Num }
		got.V = 7
		want2 := want
		if in == "null" {
			want2 = 7
		}
		if err := json.Unmarshal([]byte(`{"V":`+in+`}`), &got); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if math.Float64bits(float64(got.V)) != math.Float64bits(want2) {
			t.Errorf("%s: got %v, want %v", in, got.V, want2)
		}
	}
	for in, want := range map[string]float64{`"NaN"`: math.NaN(), `"Infinity"`: math.Inf(1), `"-Infinity"`: math.Inf(-1), `"2.5"`: 2.5} {
		var n Num
		if err := json.Unmarshal([]byte(in), &n); err != nil {
			t.Fatal(err)
		}
		if !(math.IsNaN(want) && math.IsNaN(float64(n))) && float64(n) != want {
			t.Errorf("%s: got %v", in, n)
		}
	}
	for _, bad := range []string{`1e999`, `"abc"`, `true`} {
		var n Num
		if err := json.Unmarshal([]byte(bad), &n); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestContainsScriptEnd(t *testing.T) {
	for in, want := range map[string]bool{
		"": false, "a</b": false, "</scrip": false, "x</script>": true, "x</SCRIPT": true, "<</ScRiPt": true,
		"</ </style></script": true, "script</": false,
	} {
		if got := containsScriptEnd([]byte(in)); got != want {
			t.Errorf("%q: %v, want %v", in, got, want)
		}
	}
}
