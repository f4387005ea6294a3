package stats

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/driftwatch/driftwatch/internal/wire"
)

// typedRecord builds a batch with typed columns: int64, float64 (with -0.0) and boolean, every
// seventh value null.
func typedRecord(r *rand.Rand, n int) arrow.RecordBatch {
	ib := array.NewInt64Builder(memory.DefaultAllocator)
	fb := array.NewFloat64Builder(memory.DefaultAllocator)
	bb := array.NewBooleanBuilder(memory.DefaultAllocator)
	for i := range n {
		if i%7 == 0 {
			ib.AppendNull()
			fb.AppendNull()
			bb.AppendNull()
			continue
		}
		ib.Append(r.Int64N(1000) - 500)
		if i%11 == 0 {
			fb.Append(math.Copysign(0, -1))
		} else {
			fb.Append(r.NormFloat64())
		}
		bb.Append(r.IntN(2) == 0)
	}
	fields := []arrow.Field{{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true}, {Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true}}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), []arrow.Array{ib.NewArray(), fb.NewArray(), bb.NewArray()}, int64(n))
}

// stringRows builds string rows: a number column, a low-cardinality category, an id over
// CategoryCap distinct values, a mixed column turning String, and a column only in some batches.
func stringRows(r *rand.Rand, n int, withExtra bool) arrow.RecordBatch {
	names := []string{"num", "cat", "id", "mixed"}
	if withExtra {
		names = append(names, "late")
	}
	rows := make([][]*string, n)
	for i := range rows {
		row := []*string{s(strconv.FormatFloat(r.NormFloat64()*100, 'g', -1, 64)), s("c" + strconv.Itoa(r.IntN(6))),
			s("u" + strconv.Itoa(r.IntN(1<<20))), s(strconv.Itoa(r.IntN(9)))}
		if i%13 == 0 {
			row[0], row[1] = nil, nil
		}
		if i%97 == 0 {
			row[3] = s("n/a")
		}
		if withExtra {
			row = append(row, s("x"))
		}
		rows[i] = row
	}
	return record(names, rows)
}

// encodeProfiles are profiles in the shapes a unit can take.
func encodeProfiles(t testing.TB) map[string]*Profile {
	r := rand.New(rand.NewPCG(4, 4))
	out := map[string]*Profile{"empty": NewProfile()}
	declared := NewProfile()
	declared.Declare([]string{"a", "b"})
	out["declared only"] = declared
	out["strings"] = profileOf(t, stringRows(r, 3000, false), stringRows(r, 2000, true))
	out["typed"] = profileOf(t, typedRecord(r, 5000))
	tracked := NewProfile()
	tracked.TrackValues([]string{"c1", "c3", "x", "absent"})
	if err := tracked.Add(stringRows(r, 4000, true)); err != nil {
		t.Fatal(err)
	}
	out["tracked"] = tracked
	merged := NewProfile()
	for i := range 4 {
		merged.Merge(profileOf(t, stringRows(r, 1500, i%2 == 1), typedRecord(r, 700)))
	}
	out["merged"] = merged
	return out
}

func encode(t testing.TB, p *Profile) []byte {
	t.Helper()
	b, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeAs(p *Profile, b []byte) (*Profile, error) {
	d := NewProfile()
	if p.track != nil {
		vals := make([]string, 0, len(p.track.values))
		for v := range p.track.values {
			vals = append(vals, v)
		}
		d.TrackValues(vals)
	}
	return d, d.UnmarshalBinary(b)
}

// featuresText renders finished features exactly (float bits through %v: -0 and NaN print).
func featuresText(p *Profile) string {
	var s string
	for _, f := range p.Features() {
		var levels [][]float64
		if f.Sketch != nil {
			levels = f.Sketch.Levels()
			f.Sketch = nil // a pointer: compared through its levels
		}
		s += fmt.Sprintf("%+v|%v|%v\n", f, levels, math.Float64bits(f.Sum))
	}
	return s
}

// TestProfileEncodeRoundTrip: a decoded profile finishes into the same features, re-encodes to the
// same bytes, and merges — as the merged-into and as the merged-from side — exactly as the
// original does. This is what makes a sharded job's output equal to a single node's.
func TestProfileEncodeRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for name, p := range encodeProfiles(t) {
		b := encode(t, p)
		d, err := decodeAs(p, b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if again := encode(t, d); !slices.Equal(b, again) {
			t.Errorf("%s: re-encoding differs", name)
		}
		if p.Rows > 0 && featuresText(d) != featuresText(p) {
			t.Errorf("%s: features differ after a round trip", name)
		}
		next := profileOf(t, stringRows(r, 2500, true), typedRecord(r, 900))
		next.TrackValues(nil)
		a, c := clone(t, p), d
		a.Merge(next)
		c.Merge(next)
		if !slices.Equal(encode(t, a), encode(t, c)) {
			t.Errorf("%s: merging into the decoded profile differs", name)
		}
		x, y := clone(t, next), clone(t, next)
		x.Merge(p)
		dd, _ := decodeAs(p, b)
		y.Merge(dd)
		if !slices.Equal(encode(t, x), encode(t, y)) {
			t.Errorf("%s: merging the decoded profile differs", name)
		}
	}
}

func clone(t testing.TB, p *Profile) *Profile {
	d, err := decodeAs(p, encode(t, p))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestProfileEncodeDeterministic: equal profiles built in different map insertion orders encode
// to equal bytes (categories and tracked values are written sorted).
func TestProfileEncodeDeterministic(t *testing.T) {
	vals := []string{"b", "a", "d", "c", "e"}
	var enc [][]byte
	for _, order := range [][]int{{0, 1, 2, 3, 4}, {4, 3, 2, 1, 0}, {2, 0, 4, 1, 3}} {
		p := NewProfile()
		p.TrackValues([]string{"a", "c"})
		for _, i := range order {
			if err := p.Add(column([]*string{s(vals[i])})); err != nil {
				t.Fatal(err)
			}
		}
		enc = append(enc, encode(t, p))
	}
	// The HLL registers and counts are order-free; the profiles differ only in map order.
	if !slices.Equal(enc[0], enc[1]) || !slices.Equal(enc[0], enc[2]) {
		t.Error("the encoding depends on insertion order")
	}
}

// TestProfileDecodeRejects: structural damage and states no profile can be in fail with
// wire.ErrCorrupt.
func TestProfileDecodeRejects(t *testing.T) {
	p := encodeProfiles(t)["tracked"]
	good := encode(t, p)
	for name, mutate := range map[string]func([]byte) []byte{
		"version":   func(b []byte) []byte { b[0] = 7; return b },
		"truncated": func(b []byte) []byte { return b[:len(b)/2] },
		"trailing":  func(b []byte) []byte { return append(b, 0) },
		"rows":      func(b []byte) []byte { return append([]byte{1, 4}, b[2+varintLen(p.Rows):]...) },
	} {
		_, err := decodeAs(p, mutate(slices.Clone(good)))
		if !errors.Is(err, wire.ErrCorrupt) {
			t.Errorf("%s: error %v, want wire.ErrCorrupt", name, err)
		}
	}
	// KLL state extremes that disagree with min and max (numeric.stateMin): a column without
	// numeric values stores Int.MaxValue as its state minimum; make it 1.
	intMax := binary.LittleEndian.AppendUint64(nil, math.Float64bits(kllStateMin))
	at := bytes.Index(good, intMax)
	if at < 0 {
		t.Fatal("no state minimum in the encoding")
	}
	bad := slices.Clone(good)
	binary.LittleEndian.PutUint64(bad[at:], math.Float64bits(1))
	if _, err := decodeAs(p, bad); !errors.Is(err, wire.ErrCorrupt) || !strings.Contains(err.Error(), "state extremes") {
		t.Errorf("state extremes: error %v, want wire.ErrCorrupt naming them", err)
	}
	// Tracked counts need the tracked set: decoding without it fails.
	if err := NewProfile().UnmarshalBinary(good); !errors.Is(err, wire.ErrCorrupt) {
		t.Errorf("decoded tracked counts without a tracked set: %v", err)
	}
	// Decoding into a profile holding data is refused.
	full := encodeProfiles(t)["strings"]
	if err := full.UnmarshalBinary(good); err == nil {
		t.Error("decoded into a non-empty profile")
	}
}

func varintLen(x int64) int { return len(wire.AppendVarint(nil, x)) }

// FuzzProfileUnmarshal: no input panics; what decodes re-encodes to bytes that decode again to the
// same encoding, and the decoded profile can be merged and finished.
func FuzzProfileUnmarshal(f *testing.F) {
	// Small seeds: the fuzzer mutates them far faster than the test profiles.
	r := rand.New(rand.NewPCG(6, 6))
	small := NewProfile()
	small.TrackValues([]string{"c1", "x"})
	for _, rec := range []arrow.RecordBatch{stringRows(r, 40, true), typedRecord(r, 30)} {
		if err := small.Add(rec); err != nil {
			f.Fatal(err)
		}
	}
	f.Add(encode(f, small))
	f.Add(encode(f, profileOf(f, typedRecord(r, 12))))
	f.Add(encode(f, NewProfile()))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := NewProfile()
		d.TrackValues([]string{"c1", "c3", "x", "absent"})
		if err := d.UnmarshalBinary(b); err != nil {
			return
		}
		again := encode(t, d)
		e := NewProfile()
		e.TrackValues([]string{"c1", "c3", "x", "absent"})
		if err := e.UnmarshalBinary(again); err != nil {
			t.Fatalf("re-encoded profile does not decode: %v", err)
		}
		if !slices.Equal(again, encode(t, e)) {
			t.Fatal("re-encoding is not stable")
		}
		e.Merge(d)
		_ = e.Features()
	})
}

// TestMergeParallel: chunk profiles of many columns merged on several goroutines (Profile.Merge
// above parallelColumns per goroutine) give the same profile, byte for byte, as merged on one —
// numeric columns whose sketches compact while merging, categories, ids, mixed columns, and a
// column missing from some chunks — and finish into the same features (Profile.Features).
func TestMergeParallel(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	const ncol = 4 * parallelColumns
	chunks := make([]*Profile, 12)
	for k := range chunks {
		names := make([]string, ncol)
		for c := range names {
			names[c] = "c" + strconv.Itoa(c)
		}
		if k%3 == 1 {
			names = names[:ncol-5] // the last columns are missing from this chunk
		}
		rows := make([][]*string, 700)
		for i := range rows {
			row := make([]*string, len(names))
			for c := range row {
				switch c % 4 {
				case 0:
					row[c] = s(strconv.FormatFloat(r.NormFloat64()*float64(c+1), 'g', -1, 64))
				case 1:
					row[c] = s("v" + strconv.Itoa(r.IntN(1+c%50)))
				case 2:
					row[c] = s(strconv.Itoa(r.IntN(1 << 20)))
				default:
					if r.IntN(10) != 0 {
						row[c] = s(strconv.Itoa(r.IntN(9)))
					}
				}
			}
			rows[i] = row
		}
		chunks[k] = profileOf(t, record(names, rows))
	}
	merge := func(procs int) ([]byte, []Feature) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		p := NewProfile()
		for _, c := range chunks {
			p.Merge(clone(t, c))
		}
		return encode(t, p), p.Features()
	}
	want, wantFeatures := merge(1)
	if len(wantFeatures) != ncol {
		t.Fatalf("%d features, want %d", len(wantFeatures), ncol)
	}
	for range 3 {
		got, features := merge(4)
		if !bytes.Equal(got, want) {
			t.Fatal("chunk profiles merged on 4 goroutines differ from those merged on one")
		}
		for i := range features {
			if !reflect.DeepEqual(features[i], wantFeatures[i]) {
				t.Fatalf("feature %d (%s) finished on 4 goroutines differs from the one finished on one", i, wantFeatures[i].Name)
			}
		}
	}
}
