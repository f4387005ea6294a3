package jackson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// conformanceDir holds the real container outputs (shared/conformance, beside the checkout).
const conformanceDir = "../../../shared/conformance"

// jacksonFixtures are the fixtures that are the container's own bytes ("file" or "extracted" in
// shared/conformance/MANIFEST.md) and are Jackson-formatted. The "reconstructed" files are
// excluded by the manifest's own rule; the SDK's binary-classification statistics and its
// monitor statistics/constraints are Python-formatted (see notJacksonFixtures).
var jacksonFixtures = []string{
	"aai540-scottreidux-housing/statistics.json",
	"aai540-scottreidux-housing/constraints.json",
	"mme-movielens-2019/statistics.json",
	"mme-movielens-2019/constraints.json",
	"mme-movielens-2019/constraint_violations.json",
	"aai540-payalpt-emotion/DQ_constraint_violations.json",
	"aai540-payalpt-emotion/violations.json",
	"aai540-payalpt-emotion/MQ_constraint_violations.json",
	"aai540-payalpt-emotion/MQ_constraints.json",
	"sdk-tests-model-quality/model_monitor_model_quality_regression.json",
	"sdk-tests-monitor/constraint_violations.json",
}

// notJacksonFixtures are verbatim files written by Python's json module, not by the container;
// the round trip must reject them, which shows that the comparison can fail.
var notJacksonFixtures = []string{
	"sdk-tests-model-quality/model_monitor_model_quality_binary_classification.json",
	"sdk-tests-monitor/statistics.json",
	"sdk-tests-monitor/constraints.json",
}

// readFixture returns a conformance file. Outside CI a missing shared/ skips the test; in CI
// (CI=true) it fails it.
func readFixture(tb testing.TB, rel string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(conformanceDir, rel))
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("conformance data missing in CI: %v", err)
		}
		tb.Skipf("conformance data not beside the checkout (%v): skipping", err)
	}
	return data
}

// TestRoundTripRealFiles parses each real Jackson file keeping key order and every number's
// token text, rebuilds it as a Value tree with FormatDouble deciding how each double is written,
// encodes it and requires the original bytes (a single trailing "\n" in the fixture aside; see
// the package doc). Both array representations are checked: Array of Double, and DoubleArray
// for arrays of doubles.
func TestRoundTripRealFiles(t *testing.T) {
	total := 0
	for _, rel := range jacksonFixtures {
		t.Run(rel, func(t *testing.T) {
			data := readFixture(t, rel)
			want := bytes.TrimSuffix(data, []byte("\n"))
			for _, packed := range []bool{false, true} {
				v, st, err := parseJSON(data, packed)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range st.mismatches {
					t.Errorf("double token %s", m)
				}
				got, err := Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("packed=%v: Marshal differs from the file %s", packed, firstDiff(got, want))
				}
				var buf bytes.Buffer
				if err := Encode(&buf, v); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(buf.Bytes(), got) {
					t.Fatalf("packed=%v: Encode and Marshal differ %s", packed, firstDiff(buf.Bytes(), got))
				}
				if !packed {
					total += st.doubles
					t.Logf("%d bytes, %d doubles, %d longs, trailing newline in fixture: %v",
						len(data), st.doubles, st.longs, len(data) != len(want))
				}
			}
		})
	}
	t.Logf("%d doubles reproduced in total", total)
}

// TestRoundTripRejectsOtherFormatting runs the same round trip on files that Python's json
// module wrote: they must not reproduce.
func TestRoundTripRejectsOtherFormatting(t *testing.T) {
	for _, rel := range notJacksonFixtures {
		t.Run(rel, func(t *testing.T) {
			data := readFixture(t, rel)
			v, _, err := parseJSON(data, true)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := Marshal(v)
			if bytes.Equal(got, bytes.TrimSuffix(data, []byte("\n"))) {
				t.Fatalf("a Python-formatted file reproduced byte for byte: the round trip proves nothing")
			}
		})
	}
}

// parseStats counts what parseJSON saw; mismatches lists double tokens whose text differs from
// FormatDouble of their value.
type parseStats struct {
	doubles, longs int
	mismatches     []string
}

// parseJSON decodes data into a Value tree with encoding/json's token stream (UseNumber), so
// key order and number text survive: a number token with '.', 'e' or 'E' is a Double, any other
// a Long. With packed, arrays holding only doubles become DoubleArray.
func parseJSON(data []byte, packed bool) (Value, *parseStats, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	st := &parseStats{}
	v, err := parseValue(dec, st, packed)
	if err != nil {
		return nil, st, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, st, fmt.Errorf("data after the root value (%v)", err)
	}
	return v, st, nil
}

func parseValue(dec *json.Decoder, st *parseStats, packed bool) (Value, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok := tok.(type) {
	case json.Delim:
		switch tok {
		case '{':
			o := NewObject()
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := k.(string)
				if !ok {
					return nil, fmt.Errorf("object key %v is not a string", k)
				}
				if _, dup := o.Get(key); dup {
					return nil, fmt.Errorf("duplicate key %q", key)
				}
				v, err := parseValue(dec, st, packed)
				if err != nil {
					return nil, err
				}
				o.Set(key, v)
			}
			_, err := dec.Token() // '}'
			return o, err
		case '[':
			a := Array{}
			for dec.More() {
				v, err := parseValue(dec, st, packed)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, err
			}
			if packed && len(a) > 0 {
				da := make(DoubleArray, 0, len(a))
				for _, e := range a {
					d, ok := e.(Double)
					if !ok {
						return a, nil
					}
					da = append(da, float64(d))
				}
				return da, nil
			}
			return a, nil
		}
		return nil, fmt.Errorf("unexpected %v", tok)
	case string:
		return String(tok), nil
	case bool:
		return Bool(tok), nil
	case nil:
		return Null{}, nil
	case json.Number:
		text := tok.String()
		if strings.ContainsAny(text, ".eE") {
			x, err := strconv.ParseFloat(text, 64)
			if err != nil {
				return nil, err
			}
			st.doubles++
			if s := FormatDouble(x); s != text && len(st.mismatches) < 10 {
				st.mismatches = append(st.mismatches, fmt.Sprintf("%q: FormatDouble gives %q", text, s))
			}
			return Double(x), nil
		}
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, err
		}
		st.longs++
		return Long(n), nil
	}
	return nil, fmt.Errorf("unexpected token %T", tok)
}

// firstDiff describes where two outputs first differ, with a little context.
func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(0, i-60)
	return fmt.Sprintf("at byte %d (len got %d, want %d):\n got: %q\nwant: %q",
		i, len(got), len(want), got[lo:min(len(got), i+60)], want[lo:min(len(want), i+60)])
}
