package stats

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var dictType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// testDict is a dictionary for the values vals (nil: null): each distinct value once, in random
// order, some twice (two entries, as a Parquet writer may leave), plus values no row refers to and
// a null entry.
func testDict(r *rand.Rand, vals []*string) (dict *array.String, entries map[string][]int32, null int32) {
	var distinct []string
	seen := map[string]bool{}
	for _, v := range vals {
		if v != nil && !seen[*v] {
			seen[*v] = true
			distinct = append(distinct, *v)
		}
	}
	distinct = append(distinct, "unused", "17", "also unused")
	if len(distinct) > 3 {
		distinct = append(distinct, distinct[r.IntN(len(distinct)-3)]) // a duplicate entry
	}
	r.Shuffle(len(distinct), func(i, j int) { distinct[i], distinct[j] = distinct[j], distinct[i] })
	b := array.NewStringBuilder(memory.DefaultAllocator)
	defer b.Release()
	entries = map[string][]int32{}
	null = int32(r.IntN(len(distinct) + 1))
	for i, v := range distinct {
		if int32(i) == null {
			b.AppendNull()
		}
		entries[v] = append(entries[v], int32(b.Len()))
		b.Append(v)
	}
	if int(null) == len(distinct) {
		b.AppendNull()
	}
	return b.NewStringArray(), entries, null
}

// dictArray is a dictionary array over dict for vals: a null value is a null slot (holding an
// index out of range, which must not be read) or, one time in three, a slot referring to the
// dictionary's null entry.
func dictArray(r *rand.Rand, dict *array.String, entries map[string][]int32, null int32, vals []*string) *array.Dictionary {
	ix := make([]int32, len(vals))
	valid := make([]byte, (len(vals)+7)/8)
	nulls := 0
	for i, v := range vals {
		switch {
		case v != nil:
			e := entries[*v]
			ix[i] = e[r.IntN(len(e))]
			valid[i/8] |= 1 << (i % 8)
		case r.IntN(3) == 0:
			ix[i] = null
			valid[i/8] |= 1 << (i % 8)
		default:
			ix[i] = 1 << 30
			nulls++
		}
	}
	data := array.NewData(arrow.PrimitiveTypes.Int32, len(vals), []*memory.Buffer{memory.NewBufferBytes(valid),
		memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(ix))}, nil, nulls, 0)
	defer data.Release()
	indices := array.MakeFromData(data)
	defer indices.Release()
	return array.NewDictionaryArray(dictType, indices, dict)
}

// TestAddDictMatchesStrings is the differential test of addDict: for every column shape of the
// string tests, dictionary arrays (entries repeated, unused and null; nulls over out-of-range
// indices; one dictionary shared by two arrays, then another; a slice) must leave exactly the state
// addStringsPlain leaves given the same values as strings.
func TestAddDictMatchesStrings(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	gens := stringGens(r)
	for _, name := range slices.Sorted(maps.Keys(gens)) {
		gen := gens[name]
		for _, tracked := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/tracked=%v", name, tracked), func(t *testing.T) {
				fast, plain := NewColumn("c"), NewColumn("c")
				if tracked {
					fast.setTracked(newTrackedSet(testTracked))
					plain.setTracked(newTrackedSet(testTracked))
				}
				row := 0
				var dict *array.String
				var entries map[string][]int32
				var null int32
				for part, size := range []int{3000, 100, 5000, 257} {
					vals := make([]*string, size)
					for i := range vals {
						if r.IntN(20) != 0 {
							vals[i] = s(gen(row))
						}
						row++
					}
					if part == 0 {
						// One dictionary for the first two arrays: it holds their values.
						more := make([]*string, 100)
						for i := range more {
							more[i] = s(gen(row + i))
						}
						dict, entries, null = testDict(r, append(slices.Clone(vals), more...))
						for i := range vals[:len(more)] {
							if r.IntN(2) == 0 {
								vals[i] = more[i] // the second array refers to these too
							}
						}
					}
					if part == 1 { // the same dictionary: its values only
						keys := slices.Sorted(maps.Keys(entries))
						for i := range vals {
							if vals[i] != nil {
								vals[i] = s(keys[r.IntN(len(keys))])
							}
						}
					}
					if part >= 2 {
						dict.Release()
						dict, entries, null = testDict(r, vals)
					}
					arr := dictArray(r, dict, entries, null, vals)
					if part == 2 {
						sl := array.NewSlice(arr, 13, int64(size-7)).(*array.Dictionary)
						arr.Release()
						arr = sl
					}
					if err := fast.Add(arr); err != nil {
						t.Fatal(err)
					}
					strs := make([]*string, arr.Len())
					for i := range strs {
						if arr.IsValid(i) && dict.IsValid(arr.GetValueIndex(i)) {
							strs[i] = s(dict.Value(arr.GetValueIndex(i)))
						}
					}
					ref := stringArray(strs)
					plain.addStringsPlain(ref)
					ref.Release()
					arr.Release()
					if d := sameColumn(fast, plain); d != "" {
						t.Fatalf("after array %d: %s", part, d)
					}
				}
				dict.Release()
			})
		}
	}
}

// TestAddDictBadIndex: an index outside the dictionary is an error naming the column, not a
// panic or a miscount.
func TestAddDictBadIndex(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	vals := []*string{s("a"), s("b"), s("a")}
	dict, entries, null := testDict(r, vals)
	defer dict.Release()
	ints := array.NewInt64Builder(memory.DefaultAllocator)
	for i := range dict.Len() { // as long as dict: the same indices are valid
		ints.Append(int64(5 + i%3))
	}
	intDict := ints.NewArray()
	ints.Release()
	defer intDict.Release()
	for _, typed := range []bool{false, true} {
		for _, bad := range []int32{int32(dict.Len()), -1} {
			var d arrow.Array = dict
			if typed {
				d = intDict
			}
			good := dictArray(r, dict, entries, null, vals)
			indices := good.Indices()
			arr := array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: d.DataType()}, indices, d)
			good.Release()
			ix := arr.Indices().(*array.Int32).Int32Values()
			want := slices.Clone(ix)
			c, fresh := NewColumn("c"), NewColumn("c")
			ix[1] = bad
			err := c.Add(arr)
			var ie *DictIndexError
			if !errors.As(err, &ie) || ie.Column != "c" || ie.Index != int(bad) {
				t.Errorf("typed %v, index %d: got %v, want a DictIndexError for column c", typed, bad, err)
			}
			// The failed Add left nothing behind: the same array, corrected, then gives the state
			// of a column given only it.
			copy(ix, want)
			if err := c.Add(arr); err != nil {
				t.Fatal(err)
			}
			if err := fresh.Add(arr); err != nil {
				t.Fatal(err)
			}
			arr.Release()
			if d := sameColumn(c, fresh); d != "" {
				t.Errorf("typed %v, index %d: after the failed Add: %s", typed, bad, d)
			}
		}
	}
}

// TestAddDictTypedMatchesTyped: dictionary arrays of Int64 and Float64 values (entries repeated,
// unused and null; nulls over out-of-range indices; one dictionary shared by two arrays, then
// another; a slice) leave exactly the state the typed arrays they stand for leave.
func TestAddDictTypedMatchesTyped(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 10))
	negZero := math.Copysign(0, -1)
	for _, tc := range []struct {
		name  string
		typ   arrow.DataType
		draw  func() any
		build func(vals []any) arrow.Array
	}{
		{"int64", arrow.PrimitiveTypes.Int64,
			func() any {
				return []int64{0, -1, 7, math.MaxInt64, math.MinInt64, 42, 18, 19}[r.IntN(8)] + int64(r.IntN(3))
			},
			func(vals []any) arrow.Array {
				b := array.NewInt64Builder(memory.DefaultAllocator)
				defer b.Release()
				for _, v := range vals {
					if v == nil {
						b.AppendNull()
					} else {
						b.Append(v.(int64))
					}
				}
				return b.NewArray()
			}},
		{"float64", arrow.PrimitiveTypes.Float64,
			func() any {
				return []float64{0, negZero, math.NaN(), math.Inf(1), 1.5, -2.25, 1e300, 0.1}[r.IntN(8)] * float64(1+r.IntN(2))
			},
			func(vals []any) arrow.Array {
				b := array.NewFloat64Builder(memory.DefaultAllocator)
				defer b.Release()
				for _, v := range vals {
					if v == nil {
						b.AppendNull()
					} else {
						b.Append(v.(float64))
					}
				}
				return b.NewArray()
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fast, plain := NewColumn("c"), NewColumn("c")
			var dict arrow.Array
			var entries []any // dictionary value of each entry (nil: a null entry)
			newDict := func() {
				if dict != nil {
					dict.Release()
				}
				entries = entries[:0]
				for range 5 + r.IntN(40) {
					entries = append(entries, tc.draw())
				}
				entries = append(entries, entries[0], nil) // a duplicate and a null entry
				r.Shuffle(len(entries), func(i, j int) { entries[i], entries[j] = entries[j], entries[i] })
				dict = tc.build(entries)
			}
			for part, size := range []int{3000, 100, 5000, 257} {
				if part != 1 {
					newDict()
				}
				ix := make([]int32, size)
				valid := make([]byte, (size+7)/8)
				nulls := 0
				for i := range ix {
					if r.IntN(15) == 0 {
						ix[i] = 1 << 30 // under a null
						nulls++
						continue
					}
					ix[i] = int32(r.IntN(len(entries) - 3)) // some entries unused
					if r.IntN(40) == 0 {
						ix[i] = int32(len(entries) - 1 - r.IntN(3))
					}
					valid[i/8] |= 1 << (i % 8)
				}
				data := array.NewData(arrow.PrimitiveTypes.Int32, size, []*memory.Buffer{memory.NewBufferBytes(valid),
					memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(ix))}, nil, nulls, 0)
				indices := array.MakeFromData(data)
				data.Release()
				var arr arrow.Array = array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: tc.typ}, indices, dict)
				indices.Release()
				if part == 2 {
					sl := array.NewSlice(arr, 13, int64(size-7))
					arr.Release()
					arr = sl
				}
				da := arr.(*array.Dictionary)
				want := make([]any, da.Len())
				for i := range want {
					if da.IsValid(i) {
						want[i] = entries[da.GetValueIndex(i)]
					}
				}
				ref := tc.build(want)
				if err := fast.Add(arr); err != nil {
					t.Fatal(err)
				}
				if err := plain.Add(ref); err != nil {
					t.Fatal(err)
				}
				ref.Release()
				arr.Release()
				if d := sameColumn(fast, plain); d != "" {
					t.Fatalf("after array %d: %s", part, d)
				}
			}
			dict.Release()
		})
	}
}
