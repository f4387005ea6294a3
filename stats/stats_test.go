package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/driftwatch/driftwatch/stats/bucketorder"
	"github.com/driftwatch/driftwatch/stats/dtype"
)

// record builds a batch of nullable string columns; a nil *string is null.
func record(names []string, rows [][]*string) arrow.RecordBatch {
	fields := make([]arrow.Field, len(names))
	cols := make([]arrow.Array, len(names))
	for j, n := range names {
		fields[j] = arrow.Field{Name: n, Type: arrow.BinaryTypes.String, Nullable: true}
		b := array.NewStringBuilder(memory.DefaultAllocator)
		for _, r := range rows {
			if r[j] == nil {
				b.AppendNull()
			} else {
				b.Append(*r[j])
			}
		}
		cols[j] = b.NewArray()
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(len(rows)))
}

func s(v string) *string { return &v }

func column(vals []*string) arrow.RecordBatch {
	rows := make([][]*string, len(vals))
	for i, v := range vals {
		rows[i] = []*string{v}
	}
	return record([]string{"c"}, rows)
}

func profileOf(t testing.TB, recs ...arrow.RecordBatch) *Profile {
	t.Helper()
	p := NewProfile()
	for _, r := range recs {
		if err := p.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// TestMomentsAgainstTwoPass: the streaming update and the merge agree with the textbook two-pass
// population variance, on data of very different scales.
func TestMomentsAgainstTwoPass(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, scale := range []float64{1e-6, 1, 1e3, 1e9} {
		xs := make([]float64, 5000)
		for i := range xs {
			xs[i] = (r.NormFloat64()*3 + 100) * scale
		}
		var m Moments
		for _, x := range xs {
			m.Add(x)
		}
		mean := 0.0
		for _, x := range xs {
			mean += x
		}
		mean /= float64(len(xs))
		ss := 0.0
		for _, x := range xs {
			ss += (x - mean) * (x - mean)
		}
		want := math.Sqrt(ss / float64(len(xs)))
		if got := m.PopStdDev(); math.Abs(got-want) > 1e-9*want {
			t.Errorf("scale %g: streaming std %v, two-pass %v", scale, got, want)
		}
		var a, b, merged Moments
		for _, x := range xs[:1234] {
			a.Add(x)
		}
		for _, x := range xs[1234:] {
			b.Add(x)
		}
		merged.Merge(a)
		merged.Merge(b)
		if got := merged.PopStdDev(); math.Abs(got-want) > 1e-9*want {
			t.Errorf("scale %g: merged std %v, two-pass %v", scale, got, want)
		}
		if merged.N != float64(len(xs)) {
			t.Errorf("merged n %v", merged.N)
		}
	}
}

// TestMergeEqualsWhole: profiling A and B apart and merging gives the exact fields of profiling
// A then B together; sums agree to rounding.
func TestMergeEqualsWhole(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	names := []string{"num", "cat", "mixed", "sparse", "bool"}
	gen := func(n int) [][]*string {
		rows := make([][]*string, n)
		for i := range rows {
			var sparse *string
			if r.IntN(10) == 0 {
				sparse = s(strconv.Itoa(r.IntN(5)))
			}
			mixed := s(strconv.FormatFloat(r.NormFloat64(), 'g', -1, 64))
			if r.IntN(500) == 0 {
				mixed = s("oops")
			}
			rows[i] = []*string{s(strconv.Itoa(r.IntN(100000))), s("c" + strconv.Itoa(r.IntN(9))), mixed, sparse, s(strconv.FormatBool(r.IntN(2) == 0))}
		}
		return rows
	}
	ra, rb := gen(7000), gen(3000)
	whole := profileOf(t, record(names, append(slices.Clone(ra), rb...)))
	merged := NewProfile()
	merged.Merge(profileOf(t, record(names, ra)))
	merged.Merge(profileOf(t, record(names, rb)))
	fw, fm := whole.Features(), merged.Features()
	if whole.Rows != merged.Rows || len(fw) != len(fm) {
		t.Fatalf("rows %d vs %d", whole.Rows, merged.Rows)
	}
	for i := range fw {
		w, m := fw[i], fm[i]
		if w.Name != m.Name || w.Type != m.Type || w.NumPresent != m.NumPresent || w.NumMissing != m.NumMissing ||
			w.Distinct != m.Distinct || w.Min != m.Min || w.Max != m.Max || w.Completeness != m.Completeness {
			t.Errorf("%s: exact fields differ:\nwhole  %+v\nmerged %+v", w.Name, w, m)
		}
		if !slices.Equal(w.Categories, m.Categories) {
			t.Errorf("%s: categories differ", w.Name)
		}
		if math.Abs(w.Sum-m.Sum) > 1e-9*math.Abs(w.Sum) || math.Abs(w.StdDev-m.StdDev) > 1e-9*w.StdDev {
			t.Errorf("%s: sum/std differ beyond rounding: %v/%v vs %v/%v", w.Name, w.Sum, w.StdDev, m.Sum, m.StdDev)
		}
		if w.Sketch != nil && w.Sketch.Count() != m.Sketch.Count() {
			t.Errorf("%s: sketch weight %d vs %d", w.Name, w.Sketch.Count(), m.Sketch.Count())
		}
	}
}

func TestColumnKinds(t *testing.T) {
	cases := []struct {
		name string
		vals []*string
		want dtype.Kind
		cats []bucketorder.Entry // nil: no buckets
	}{
		{"all null", []*string{nil, nil}, dtype.Unknown, []bucketorder.Entry{{Value: NullValue, Count: 2}}},
		{"booleans", []*string{s("true"), s("false"), s("true")}, dtype.Boolean, []bucketorder.Entry{{Value: "true", Count: 2}, {Value: "false", Count: 1}}},
		{"strings with nulls", []*string{s("a"), nil, s("a"), s("b")}, dtype.String, []bucketorder.Entry{{Value: "a", Count: 2}, {Value: NullValue, Count: 1}, {Value: "b", Count: 1}}}, // ties by byte order: "N" < "b"
		{"integral", []*string{s("1"), s(" 2"), nil}, dtype.Integral, nil},
		{"fractional wins", []*string{s("1"), s("2.5")}, dtype.Fractional, nil},
	}
	for _, c := range cases {
		f := profileOf(t, column(c.vals)).Features()[0]
		if f.Type != c.want {
			t.Errorf("%s: type %v, want %v", c.name, f.Type, c.want)
		}
		if !slices.Equal(f.Categories, c.cats) {
			t.Errorf("%s: categories %v, want %v", c.name, f.Categories, c.cats)
		}
		nulls := int64(0)
		for _, v := range c.vals {
			if v == nil {
				nulls++
			}
		}
		if f.NumMissing != nulls || f.NumPresent != int64(len(c.vals))-nulls {
			t.Errorf("%s: present/missing %d/%d", c.name, f.NumPresent, f.NumMissing)
		}
	}
}

// TestNumericCast: a value matching the Integral regex that Spark cannot cast ("- 5") counts for
// the type but not for the numeric statistics; " 5" casts (Spark trims).
func TestNumericCast(t *testing.T) {
	f := profileOf(t, column([]*string{s("- 5"), s(" 5"), s("7")})).Features()[0]
	if f.Type != dtype.Integral || f.NumPresent != 3 {
		t.Fatalf("type %v present %d", f.Type, f.NumPresent)
	}
	if f.Sum != 12 || f.Mean != 6 || f.Min != 5 || f.Max != 7 || f.Sketch.Count() != 2 {
		t.Errorf("sum %v mean %v min %v max %v weight %d", f.Sum, f.Mean, f.Min, f.Max, f.Sketch.Count())
	}
	big := profileOf(t, column([]*string{s("99999999999999999999"), s("1")})).Features()[0]
	if big.Type != dtype.Integral || big.Max != 1e20 {
		t.Errorf("int64 overflow: type %v max %v", big.Type, big.Max)
	}
}

// TestColumnsAppearLate: a column that first appears in a later batch counts the earlier rows as
// missing; a column absent from a batch counts its rows as missing (JSON data).
func TestColumnsAppearLate(t *testing.T) {
	a := record([]string{"x"}, [][]*string{{s("1")}, {s("2")}})
	b := record([]string{"y"}, [][]*string{{s("u")}, {s("v")}, {s("w")}})
	for _, p := range []*Profile{profileOf(t, a, b), func() *Profile {
		p := NewProfile()
		p.Merge(profileOf(t, a))
		p.Merge(profileOf(t, b))
		return p
	}()} {
		fs := p.Features()
		if p.Rows != 5 || fs[0].Name != "x" || fs[0].NumMissing != 3 || fs[1].Name != "y" || fs[1].NumMissing != 2 {
			t.Errorf("rows %d features %+v", p.Rows, fs)
		}
	}
}

// TestCategoryCap: beyond CategoryCap distinct values the exact counts are dropped and no buckets
// are produced, whatever the split.
func TestCategoryCap(t *testing.T) {
	vals := make([]*string, 0, 3*CategoryCap)
	for i := range 3 * CategoryCap {
		vals = append(vals, s(fmt.Sprintf("v%d", i)))
	}
	f := profileOf(t, column(vals)).Features()[0]
	if f.Categories != nil || f.Distinct < 2000 {
		t.Errorf("buckets %d distinct %d", len(f.Categories), f.Distinct)
	}
}

func TestTypedArrays(t *testing.T) {
	mem := memory.DefaultAllocator
	ib := array.NewInt64Builder(mem)
	ib.AppendValues([]int64{3, -1, 4}, nil)
	ib.AppendNull()
	fb := array.NewFloat64Builder(mem)
	fb.AppendValues([]float64{0.5, 1.5, 2.5, 3.5}, nil)
	bb := array.NewBooleanBuilder(mem)
	bb.AppendValues([]bool{true, true, false, true}, nil)
	schema := arrow.NewSchema([]arrow.Field{{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, {Name: "f", Type: arrow.PrimitiveTypes.Float64}, {Name: "b", Type: arrow.FixedWidthTypes.Boolean}}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{ib.NewArray(), fb.NewArray(), bb.NewArray()}, 4)
	fs := profileOf(t, rec).Features()
	if fs[0].Type != dtype.Integral || fs[0].Sum != 6 || fs[0].Min != -1 || fs[0].NumMissing != 1 || fs[0].Distinct != 3 {
		t.Errorf("int column %+v", fs[0])
	}
	if fs[1].Type != dtype.Fractional || fs[1].Mean != 2 {
		t.Errorf("float column %+v", fs[1])
	}
	if fs[2].Type != dtype.Boolean || !slices.Equal(fs[2].Categories, []bucketorder.Entry{{Value: "true", Count: 3}, {Value: "false", Count: 1}}) || fs[2].Distinct != 2 {
		t.Errorf("bool column %+v", fs[2])
	}
}

// go test -run '^$' -bench Profile ./stats/
func BenchmarkProfileStrings(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 3))
	const n = 64 << 10
	rows := make([][]*string, n)
	size := 0
	for i := range rows {
		rows[i] = []*string{s(strconv.FormatFloat(r.NormFloat64()*1e3, 'f', 3, 64)), s(strconv.Itoa(r.IntN(1e6))), s("city" + strconv.Itoa(r.IntN(20)))}
		for _, v := range rows[i] {
			size += len(*v)
		}
	}
	rec := record([]string{"f", "i", "c"}, rows)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		p := NewProfile()
		if err := p.Add(rec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestTrackValues: tracked values are counted exactly even when the column overflows CategoryCap,
// and the counts survive merging.
func TestTrackValues(t *testing.T) {
	vals := make([]*string, 0, 3*CategoryCap)
	for i := range 3 * CategoryCap {
		vals = append(vals, s(fmt.Sprintf("v%d", i%(2*CategoryCap))))
	}
	whole := NewProfile()
	whole.TrackValues([]string{"v1", "v7", "absent"})
	if err := whole.Add(column(vals)); err != nil {
		t.Fatal(err)
	}
	merged := NewProfile()
	merged.TrackValues([]string{"v1", "v7", "absent"})
	for _, part := range [][]*string{vals[:100], vals[100:]} {
		p := NewProfile()
		p.TrackValues([]string{"v1", "v7", "absent"})
		if err := p.Add(column(part)); err != nil {
			t.Fatal(err)
		}
		merged.Merge(p)
	}
	for _, p := range []*Profile{whole, merged} {
		f := p.Features()[0]
		if f.ValueCounts != nil {
			t.Errorf("value counts kept beyond the cap")
		}
		if f.Tracked["v1"] != 2 || f.Tracked["v7"] != 2 || f.Tracked["absent"] != 0 {
			t.Errorf("tracked %v", f.Tracked)
		}
	}
}
