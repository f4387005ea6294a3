package stats

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/driftwatch/driftwatch/stats/dtype"
	"github.com/driftwatch/driftwatch/stats/hll"
)

// stringArray builds a nullable string array; a nil *string is null.
func stringArray(vals []*string) *array.String {
	b := array.NewStringBuilder(memory.DefaultAllocator)
	defer b.Release()
	for _, v := range vals {
		if v == nil {
			b.AppendNull()
		} else {
			b.Append(*v)
		}
	}
	return b.NewStringArray()
}

// stringArrayNullBytes is stringArray with bytes under its nulls: each null slot holds a
// plain number, which Arrow allows and which must not count.
func stringArrayNullBytes(vals []*string) *array.String {
	full := make([]*string, len(vals))
	for i, v := range vals {
		full[i] = v
		if v == nil {
			full[i] = s(strconv.Itoa(4200 + i))
		}
	}
	arr := stringArray(full)
	defer arr.Release()
	valid := make([]byte, (len(vals)+7)/8)
	nulls := 0
	for i, v := range vals {
		if v != nil {
			valid[i/8] |= 1 << (i % 8)
		} else {
			nulls++
		}
	}
	bufs := arr.Data().Buffers()
	data := array.NewData(arrow.BinaryTypes.String, len(vals), []*memory.Buffer{memory.NewBufferBytes(valid), bufs[1], bufs[2]}, nil, nulls, 0)
	defer data.Release()
	return array.NewStringData(data)
}

// sameColumn reports the first difference between two accumulators, comparing every field bit for
// bit (the KLL sketch by its levels and weight).
func sameColumn(a, b *Column) string {
	switch {
	case a.Kinds != b.Kinds:
		return fmt.Sprintf("kinds %v vs %v", a.Kinds, b.Kinds)
	case a.HLL != b.HLL:
		return "hll registers differ"
	case a.typed != b.typed:
		return fmt.Sprintf("typed %v vs %v", a.typed, b.typed)
	case a.catsOff != b.catsOff:
		return fmt.Sprintf("catsOff %v vs %v", a.catsOff, b.catsOff)
	case !maps.Equal(categoryMap(a), categoryMap(b)):
		return fmt.Sprintf("categories %v vs %v", categoryMap(a), categoryMap(b))
	case !maps.Equal(a.tracked, b.tracked):
		return fmt.Sprintf("tracked %v vs %v", a.tracked, b.tracked)
	}
	na, nb := &a.num, &b.num
	fa := []float64{float64(na.count), na.sum, na.moments.N, na.moments.Avg, na.moments.M2, na.min, na.max, na.stateMin(), na.stateMax()}
	fb := []float64{float64(nb.count), nb.sum, nb.moments.N, nb.moments.Avg, nb.moments.M2, nb.min, nb.max, nb.stateMin(), nb.stateMax()}
	for i := range fa {
		if math.Float64bits(fa[i]) != math.Float64bits(fb[i]) {
			return fmt.Sprintf("numeric field %d: %v vs %v", i, fa[i], fb[i])
		}
	}
	if (na.sketch == nil) != (nb.sketch == nil) {
		return "sketch presence differs"
	}
	if na.sketch != nil {
		la, lb := na.sketch.Levels(), nb.sketch.Levels()
		if len(la) != len(lb) {
			return "sketch heights differ"
		}
		for h := range la {
			if !slices.EqualFunc(la[h], lb[h], func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) }) {
				return fmt.Sprintf("sketch level %d differs", h)
			}
		}
	}
	return ""
}

// testTracked are the tracked values of the string tests, of several of their shapes.
var testTracked = map[string]struct{}{"18": {}, "Omaha": {}, "true": {}, "v7": {}, "": {}, "a\x00": {}}

// testTrackedWords has no number: numeric columns then keep their vector paths and track only
// the values that are not plain numbers ("n/a" in "high card then word", "-" and "tx" in "over
// cap, odd").
var testTrackedWords = map[string]struct{}{"n/a": {}, "Omaha": {}, "true": {}, "false": {}, "v7": {}, "": {},
	"a\x00": {}, "tx": {}, "-": {}, "\xff": {}}

// stringGens are the value generators of the string tests: value i of a column of each shape,
// drawn from r.
func stringGens(r *rand.Rand) map[string]func(i int) string {
	return map[string]func(i int) string{
		"ints low card":  func(int) string { return strconv.Itoa(18 + r.IntN(70)) },
		"ints high card": func(i int) string { return strconv.Itoa(i*7 + r.IntN(7)) },
		"decimals":       func(int) string { return strconv.FormatFloat(r.NormFloat64()*15+600, 'f', 3, 64) },
		"few decimals":   func(int) string { return []string{"0.5", "-0.0", "0.0", "1e3", "2.50"}[r.IntN(5)] },
		"cities":         func(int) string { return []string{"Phoenix", "Omaha", "San Francisco Bay", "Tulsa"}[r.IntN(4)] },
		"booleans":       func(int) string { return []string{"true", "false"}[r.IntN(2)] },
		"medium card":    func(int) string { return "v" + strconv.Itoa(r.IntN(600)) },
		"over cap":       func(int) string { return "k" + strconv.Itoa(r.IntN(5000)) },
		"long values":    func(int) string { return strings.Repeat("x", 14+r.IntN(6)) + strconv.Itoa(r.IntN(3)) },
		"odd bytes":      func(int) string { return []string{"", "a", "a\x00", "\x00", " 5", "- 5", "5", "05"}[r.IntN(8)] },
		"ints then word": func(i int) string {
			if i == 700 {
				return "n/a"
			}
			return strconv.Itoa(r.IntN(50))
		},
		"ints then bool": func(i int) string {
			if i == 300 {
				return "true"
			}
			return strconv.Itoa(r.IntN(9))
		},
		"16 and 17 bytes": func(int) string { return strings.Repeat("7", 15+r.IntN(3)) },
		// A few values, so that addStrings compares whole blocks with the memo's entries
		// (smallHits): numbers mixed with values of a numeric kind that do not cast ("- 5"), a
		// word long after the memo's probe, a new value now and then.
		"few, some uncastable": func(int) string { return []string{"5", "- 5", "07", "-3", "- 1", "2.5"}[r.IntN(6)] },
		"few, one prefix": func(int) string { // equal first words, second words apart
			return []string{"category-alpha-1", "category-alpha-2", "category-beta-1", "category"}[r.IntN(4)]
		},
		"few then word": func(i int) string {
			if i == 2600 {
				return "n/a"
			}
			return []string{"0", "1", "10"}[r.IntN(3)]
		},
		"few, new now and then": func(int) string {
			if r.IntN(500) == 0 {
				return "z" + strconv.Itoa(r.IntN(40))
			}
			return []string{"red", "green", "blue", "green\x00"}[r.IntN(4)]
		},
		// Past the cap in the first array, so that the later ones take addStrings' loop for
		// continuous numbers, which must hand over when a word or a boolean arrives.
		"high card then word": func(i int) string {
			if i == 3600 {
				return "n/a"
			}
			return strconv.Itoa(i*7 + r.IntN(7))
		},
		// A tracked number (testTracked's "18") among a continuous column's values, long after
		// its categories were dropped: numbers are then tracked one by one, not in blocks.
		"high card, some tracked": func(i int) string {
			if i%50 == 0 {
				return "18"
			}
			return strconv.Itoa(1000 + i*7 + r.IntN(7))
		},
		"high card then bool": func(i int) string {
			if i == 8200 {
				return "false"
			}
			return strconv.FormatFloat(r.NormFloat64(), 'f', 4, 64)
		},
		// Under the cap in every array, over it in their union.
		"drifting":       func(i int) string { return "d" + strconv.Itoa(i/2000*600+r.IntN(600)) },
		"long high card": func(int) string { return "a-long-prefix-" + strconv.Itoa(r.IntN(4000)) },
		"near cap":       func(int) string { return "n" + strconv.Itoa(r.IntN(1030)) },
		// Past the cap, text, with now and then a value that is not a String by its first byte
		// or has none (addStrings' text blocks, stringRun).
		"over cap, odd": func(int) string {
			if r.IntN(10) == 0 {
				return []string{"", "true", "false", " 5", "+7", "-", "tx", "f", "5e3", "\xff", "0.5"}[r.IntN(11)]
			}
			return "k" + strconv.Itoa(r.IntN(5000))
		},
		"exactly cap":  func(i int) string { return "e" + strconv.Itoa(i%CategoryCap) },
		"cap plus one": func(i int) string { return "p" + strconv.Itoa(i%(CategoryCap+1)) },
		"long at cap":  func(i int) string { return "a-long-prefix-" + strconv.Itoa(i%CategoryCap) },
	}
}

// TestAddStringsMatchesPlain is the differential test of addStrings' memo of short repeated values:
// over columns of every shape (low and high cardinality, short and long values, a String or a
// Boolean appearing part-way, blanks, empty strings, NUL bytes, sliced arrays, several arrays in a
// row, tracked values), it must leave exactly the state addStringsPlain (one value at a time)
// leaves.
func TestAddStringsMatchesPlain(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	gens := stringGens(r)
	names := slices.Sorted(maps.Keys(gens))
	for _, name := range names {
		gen := gens[name]
		const none, numbers, words = "false", "numbers", "words" // the tracked sets, by name
		trackedSets := map[string]map[string]struct{}{none: nil, numbers: testTracked, words: testTrackedWords}
		for _, tc := range []struct {
			tracked string // a key of trackedSets
			nulls   int    // one value in nulls is null; 0: none
			blocks  bool
		}{{none, 20, false}, {numbers, 20, false}, {none, 0, false}, {none, 20, true}, {numbers, 20, true}, {none, 0, true},
			{words, 20, false}, {words, 20, true}, {words, 0, true}} {
			if tc.blocks && !useBlockKernels {
				continue // the processor lacks numBlocks' instructions (TestNumBlocks says so)
			}
			t.Run(fmt.Sprintf("%s/tracked=%v/nulls=%d/blocks=%v", name, tc.tracked, tc.nulls, tc.blocks), func(t *testing.T) {
				defer func(was bool) { useBlockKernels = was }(useBlockKernels)
				useBlockKernels = tc.blocks
				fast, plain := NewColumn("c"), NewColumn("c")
				if set := trackedSets[tc.tracked]; set != nil {
					fast.setTracked(newTrackedSet(set))
					plain.setTracked(newTrackedSet(set))
				}
				row := 0
				for part, size := range []int{3000, 100, 5000, 257} {
					vals := make([]*string, size)
					for i := range vals {
						if tc.nulls == 0 || r.IntN(tc.nulls) != 0 {
							vals[i] = s(gen(row))
						}
						row++
					}
					arr := stringArray(vals)
					if part >= 2 { // bytes under the nulls, also in the slice below
						arr.Release()
						arr = stringArrayNullBytes(vals)
					}
					if part == 2 { // a slice with a non-zero offset and a non-zero first value offset
						sl := array.NewSlice(arr, 13, int64(size-7)).(*array.String)
						arr.Release()
						arr = sl
					}
					fast.Add(arr)
					plain.addStringsPlain(arr)
					arr.Release()
					if d := sameColumn(fast, plain); d != "" {
						t.Fatalf("after array %d: %s", part, d)
					}
				}
			})
		}
	}
}

// TestMinMaxJavaSemantics: numeric.add keeps java.lang.Math.min/max semantics (those of math.Min and
// math.Max): -0.0 is below 0.0 and NaN wins.
func TestMinMaxJavaSemantics(t *testing.T) {
	negZero := math.Copysign(0, -1)
	cases := [][]float64{
		{0, negZero}, {negZero, 0}, {1, math.NaN(), 2}, {math.NaN(), 1}, {math.Inf(1), 3},
		{math.Inf(-1), math.Inf(1)}, {-5, 7, 0.5}, {1e300, -1e300},
	}
	for _, xs := range cases {
		n := newNumeric()
		wmin, wmax := math.Inf(1), math.Inf(-1)
		smin, smax := kllStateMin, kllStateMax
		for _, x := range xs {
			n.add(x)
			wmin, wmax = math.Min(wmin, x), math.Max(wmax, x)
			smin, smax = math.Min(smin, x), math.Max(smax, x)
		}
		got := []float64{n.min, n.max, n.stateMin(), n.stateMax()}
		want := []float64{wmin, wmax, smin, smax}
		for i := range got {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
				t.Errorf("%v: field %d = %v, math.Min/Max give %v", xs, i, got[i], want[i])
			}
		}
	}
	// The KLL state's extremes are derived from min and max (numeric.stateMin): against the
	// state tracked value by value from Int.MinValue/MaxValue with the same operations (the
	// built-in min/max per value, math.Min/Max where two parts merge), on random values near the
	// start values, zeros of both signs, infinities and NaN, split into two merged parts.
	r := rand.New(rand.NewPCG(4, 4))
	pick := []float64{0, negZero, math.NaN(), math.Inf(1), math.Inf(-1), kllStateMin, kllStateMax,
		kllStateMin + 1, kllStateMax - 1, kllStateMin - 1, kllStateMax + 1, 1.5, -7}
	for range 20000 {
		xs := make([]float64, 1+r.IntN(6))
		for i := range xs {
			xs[i] = pick[r.IntN(len(pick))]
		}
		a, b := newNumeric(), newNumeric()
		parts := [2]*numeric{&a, &b}
		cut := r.IntN(len(xs) + 1)
		state := [2][2]float64{{kllStateMin, kllStateMax}, {kllStateMin, kllStateMax}} // per part: min, max
		for i, x := range xs {
			p := 0
			if i >= cut {
				p = 1
			}
			state[p][0], state[p][1] = min(state[p][0], x), max(state[p][1], x)
			parts[p].add(x)
		}
		smin, smax := math.Min(state[0][0], state[1][0]), math.Max(state[0][1], state[1][1])
		a.merge(&b)
		for _, c := range [][2]float64{{a.stateMin(), smin}, {a.stateMax(), smax}} {
			if !sameFloat(c[0], c[1]) {
				t.Fatalf("%v (merged at %d): state extremes %v, %v; tracked %v, %v", xs, cut, a.stateMin(), a.stateMax(), smin, smax)
			}
		}
	}
	// The sign of zero survives.
	n := newNumeric()
	n.add(0)
	n.add(negZero)
	if !math.Signbit(n.min) || math.Signbit(n.max) {
		t.Errorf("min %v (sign %v), max %v (sign %v)", n.min, math.Signbit(n.min), n.max, math.Signbit(n.max))
	}
}

// go test -run '^$' -bench 'AddStrings|Count' -benchmem ./stats/
//
// The columns of the benchmark job's CSV (internal/datagen), one array of 64 Ki rows each, through
// addStrings and through the plain path (addStringsPlain).
func BenchmarkAddStrings(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 5))
	cities := []string{"Phoenix", "Omaha", "Denver", "Austin", "Boston", "Seattle", "Miami", "Chicago", "Portland", "Atlanta", "Dallas", "Tulsa"}
	cols := []struct {
		name string
		gen  func(i int) string
	}{
		{"id", func(i int) string { return strconv.Itoa(1_000_000 + i) }},
		{"age", func(int) string { return strconv.Itoa(18 + r.IntN(70)) }},
		{"income", func(int) string {
			return strconv.FormatFloat(math.Round(math.Exp(10+r.NormFloat64())*100)/100, 'f', -1, 64)
		}},
		{"city", func(int) string { return cities[r.IntN(len(cities))] }},
		{"user", func(int) string { return "u" + strconv.FormatUint(r.Uint64()%50_000_000, 36) }},
		{"active", func(int) string { return strconv.FormatBool(r.IntN(3) == 0) }},
		{"ratio", func(int) string { return strconv.FormatFloat(r.Float64(), 'g', 6, 64) }},
		{"count", func(int) string { return strconv.Itoa(int(r.ExpFloat64() * 3)) }},
	}
	const n = 64 << 10
	for _, col := range cols {
		vals := make([]*string, n)
		size := 0
		for i := range vals {
			vals[i] = s(col.gen(i))
			size += len(*vals[i])
		}
		arr := stringArray(vals)
		for _, path := range []string{"memo", "plain", "dropped"} {
			b.Run(col.name+"/"+path, func(b *testing.B) {
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					c := NewColumn(col.name)
					switch path {
					case "memo":
						c.Add(arr)
					case "plain":
						c.addStringsPlain(arr)
					case "dropped": // a chunk's column whose merged counts are dropped (SkipCounting)
						c.DropCategories()
						c.Add(arr)
					}
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds()/1e6, "Mvalues/s")
			})
		}
		arr.Release()
	}
}

// go test -run '^$' -bench SmallSets ./stats/
//
// Columns of a few distinct short values (uniform, or one value in two), one array of 64 Ki
// rows, through addStrings with and without smallHits.
func BenchmarkSmallSets(b *testing.B) {
	if !useBlockKernels {
		b.Skip("no AVX-512 kernels on this machine")
	}
	// run benchmarks addStrings on vals without smallHits and with it for up to smallMax entries.
	run := func(name string, vals []*string) {
		size := 0
		for _, v := range vals {
			if v != nil {
				size += len(*v)
			}
		}
		arr := stringArray(vals)
		defer arr.Release()
		for _, limit := range []int{0, smallMax} {
			b.Run(fmt.Sprintf("%s/limit=%d", name, limit), func(b *testing.B) {
				defer func(l int) { smallLimit = l }(smallLimit)
				smallLimit = limit
				b.SetBytes(int64(size))
				for b.Loop() {
					NewColumn("c").Add(arr)
				}
				b.ReportMetric(float64(len(vals)*b.N)/b.Elapsed().Seconds()/1e6, "Mvalues/s")
			})
		}
	}
	r := rand.New(rand.NewPCG(9, 9))
	for _, d := range []int{2, 4, 8, 12, 16} {
		for _, skew := range []bool{false, true} {
			vals := make([]*string, 64<<10)
			for i := range vals {
				k := r.IntN(d)
				if skew && r.IntN(2) == 0 {
					k = 0
				}
				vals[i] = s("city-" + strconv.Itoa(k))
			}
			run(fmt.Sprintf("d=%d/skew=%v", d, skew), vals)
		}
	}
	// A long array whose only null is its last value, with a long value every 100 rows: each
	// of smallHits' calls stops at a long value, and must not search the bitmap for the null
	// again (it once did, from every call to the end: 7.6× slower than the memo at 1 Mi rows).
	vals := make([]*string, 1<<20)
	for i := range vals[:len(vals)-1] {
		vals[i] = s([]string{"a", "b", "c"}[r.IntN(3)])
		if i%100 == 99 {
			vals[i] = s("a-value-of-twenty-by")
		}
	}
	run("sparse-null", vals)
}

// go test -run '^$' -bench Count -benchmem ./stats/
//
// Exact categorical counting alone (countN), on a 12-value column: the map work addStrings' memo
// avoids for repeated values.
func BenchmarkCount(b *testing.B) {
	vals := []string{"Phoenix", "Omaha", "Denver", "Austin", "Boston", "Seattle", "Miami", "Chicago", "Portland", "Atlanta", "Dallas", "Tulsa"}
	r := rand.New(rand.NewPCG(4, 4))
	const n = 64 << 10
	idx := make([]uint8, n)
	size := 0
	for i := range idx {
		idx[i] = uint8(r.IntN(len(vals)))
		size += len(vals[idx[i]])
	}
	hashes := make([]uint64, len(vals))
	for i, v := range vals {
		hashes[i] = hashOf(v)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		c := NewColumn("city")
		for _, j := range idx {
			c.count(vals[j], hashes[j])
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds()/1e6, "Mvalues/s")
}

func hashOf(v string) uint64 { return hll.HashString(v) }

// categoryMap returns c's exact counts by hash, whichever form holds them (map or list).
func categoryMap(c *Column) map[uint64]category {
	m := map[uint64]category{}
	c.eachEntry(func(h uint64, e category) {
		if _, dup := m[h]; dup {
			panic("a value counted twice: in the map and in the list")
		}
		m[h] = e
	})
	return m
}

// TestCategoryListsMerge checks the list form of the exact counts (a column given one string
// array keeps them as a hash-sorted list; merging two such columns joins the lists) against the
// map form (addStringsPlain, Merge of maps): every combination of forms, with overlapping values,
// unions of exactly CategoryCap and CategoryCap+1 values, and long values (counted by hash) next
// to short ones (counted in the memo).
func TestCategoryListsMerge(t *testing.T) {
	vals := func(from, n int, long bool) *array.String {
		v := make([]*string, 0, 2*n)
		for i := range n {
			s := strconv.Itoa(from + i)
			if long && i%3 == 0 {
				s = strings.Repeat("L", 20) + s
			}
			v = append(v, &s, &s) // every value twice
		}
		v = append(v, nil)
		return stringArray(v)
	}
	cases := []struct {
		name string
		a, b [2]int // from, n
	}{
		{"disjoint small", [2]int{0, 100}, [2]int{100, 100}},
		{"overlap", [2]int{0, 600}, [2]int{300, 600}},
		{"union exactly cap", [2]int{0, CategoryCap - 10}, [2]int{CategoryCap - 20, 20}},
		{"union cap plus one", [2]int{0, CategoryCap - 10}, [2]int{CategoryCap - 20, 21}},
		{"one side over cap", [2]int{0, CategoryCap + 1}, [2]int{0, 5}},
	}
	for _, tc := range cases {
		for _, long := range []bool{false, true} {
			a, b := vals(tc.a[0], tc.a[1], long), vals(tc.b[0], tc.b[1], long)
			plain := func(arr *array.String) *Column { c := NewColumn("x"); c.addStringsPlain(arr); return c }
			listed := func(arr *array.String) *Column { c := NewColumn("x"); c.Add(arr); return c }
			want := plain(a)
			want.Merge(plain(b))
			for _, form := range []struct {
				name string
				x, y func(*array.String) *Column
			}{{"list+list", listed, listed}, {"list+map", listed, plain}, {"map+list", plain, listed}} {
				x, y := form.x(a), form.y(b)
				if form.name == "list+list" && !x.catsOff && len(x.list) == 0 {
					t.Fatalf("%s: a column given one array holds no list", tc.name)
				}
				x.Merge(y)
				if x.catsOff != want.catsOff || !maps.Equal(categoryMap(x), categoryMap(want)) {
					t.Errorf("%s, long %v, %s: catsOff %v with %d values, want %v with %d", tc.name, long, form.name,
						x.catsOff, x.numCategories(), want.catsOff, want.numCategories())
				}
			}
		}
	}
}

// TestLowBytes: lowBytes[l] keeps exactly the low l bytes of a word (the memo's key masks).
func TestLowBytes(t *testing.T) {
	for l := range 9 {
		want := uint64(math.MaxUint64)
		if l < 8 {
			want = 1<<(8*l) - 1
		}
		if lowBytes[l] != want {
			t.Errorf("lowBytes[%d] = %#x, want %#x", l, lowBytes[l], want)
		}
	}
}

// TestAddTypedMatchesValues: a typed Int64, Float64 or Boolean array (nulls, a sliced array with
// an offset, -0.0, ±Inf, NaN, a single value) is added as its values one by one: each non-null
// value is of the array's kind, hashed by its typed value as Spark hashes a long, a double or a
// boolean (hll.HashInt64, hll.HashFloat64, the int 1 or 0), numbers added to the numeric
// statistics, booleans counted as "true" and "false" (and tracked); nulls count as missing.
func TestAddTypedMatchesValues(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 11))
	ib := array.NewInt64Builder(memory.DefaultAllocator)
	fb := array.NewFloat64Builder(memory.DefaultAllocator)
	specials := []float64{math.Copysign(0, -1), 0, math.Inf(1), math.Inf(-1), math.NaN()}
	for i := range 5000 {
		if r.IntN(9) == 0 {
			ib.AppendNull()
			fb.AppendNull()
			continue
		}
		ib.Append(r.Int64N(2000) - 1000)
		if i%50 == 0 {
			fb.Append(specials[r.IntN(len(specials))])
		} else {
			fb.Append(r.NormFloat64() * 1e3)
		}
	}
	bb := array.NewBooleanBuilder(memory.DefaultAllocator)
	for range 3000 {
		if r.IntN(7) == 0 {
			bb.AppendNull()
		} else {
			bb.Append(r.IntN(3) == 0)
		}
	}
	ints, floats, bools := ib.NewInt64Array(), fb.NewFloat64Array(), bb.NewBooleanArray()
	defer ints.Release()
	defer floats.Release()
	defer bools.Release()
	islice := array.NewSlice(ints, 17, 4000).(*array.Int64)
	fslice := array.NewSlice(floats, 17, 4000).(*array.Float64)
	bslice := array.NewSlice(bools, 9, 2000).(*array.Boolean)
	defer islice.Release()
	defer fslice.Release()
	defer bslice.Release()
	allTrue := array.NewSlice(bools, 0, 1).(*array.Boolean) // one value: a single class
	defer allTrue.Release()

	for _, a := range []interface {
		Len() int
		IsNull(int) bool
	}{ints, islice, floats, fslice, bools, bslice, allTrue} {
		got, want := NewColumn("c"), NewColumn("c")
		set := map[string]struct{}{"true": {}, "7": {}}
		got.setTracked(newTrackedSet(set))
		want.setTracked(newTrackedSet(set))
		if err := got.Add(a.(arrow.Array)); err != nil {
			t.Fatal(err)
		}
		want.typed = true
		for i := range a.Len() {
			if a.IsNull(i) {
				want.Kinds[dtype.Unknown]++
				continue
			}
			switch a := a.(type) {
			case *array.Int64:
				want.Kinds[dtype.Integral]++
				want.HLL.AddHash(hll.HashInt64(a.Value(i)))
				want.num.add(float64(a.Value(i)))
			case *array.Float64:
				want.Kinds[dtype.Fractional]++
				want.HLL.AddHash(hll.HashFloat64(a.Value(i)))
				want.num.add(a.Value(i))
			case *array.Boolean:
				// Spark's hash of a boolean: XxHash64Function.hashInt of 1 or 0.
				want.Kinds[dtype.Boolean]++
				var w [4]byte
				v := "false"
				if a.Value(i) {
					w[0], v = 1, "true"
				}
				want.HLL.AddHash(hll.Hash(w[:]))
				want.count(v, hll.HashString(v))
			}
		}
		if d := sameColumn(got, want); d != "" {
			t.Fatalf("%T of %d values: %s", a, a.Len(), d)
		}
	}
}

// TestFlushPendingMatchesAdd: the statistics of columns updated together (flushPending, as
// Profile.Add does: four, then two at a time in Go, or up to four at a time in statsOcto) are bit
// for bit those of each column's values added one by one (numeric.add), for 1 … 9 columns of any
// lengths, over several arrays, with zeros of both signs, infinities, NaN and values of very
// different magnitudes.
func TestFlushPendingMatchesAdd(t *testing.T) {
	for _, kernel := range []bool{false, true} {
		if kernel && !useBlockKernels {
			t.Log("statsOcto not tested: the processor lacks AVX-512 (TestNumBlocks says so)")
			continue
		}
		t.Run(fmt.Sprintf("kernel=%v", kernel), func(t *testing.T) {
			defer func(was bool) { useBlockKernels = was }(useBlockKernels)
			useBlockKernels = kernel
			testFlushPendingMatchesAdd(t)
		})
	}
}

func testFlushPendingMatchesAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 11))
	pick := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), 1e300, -1e-300, 3}
	// zeros: a trial of ±0 and one other value, so that zeros of both signs meet as the extremes.
	var zeros []float64
	value := func() float64 {
		if zeros != nil {
			return zeros[r.IntN(len(zeros))]
		}
		if r.IntN(50) == 0 {
			return pick[r.IntN(len(pick))]
		}
		return r.NormFloat64() * math.Pow(10, float64(r.IntN(12)-6))
	}
	same := func(a, b float64) bool {
		return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
	}
	for trial := range 300 {
		ncol := 1 + trial%9
		switch zeros = nil; trial % 7 {
		case 3:
			zeros = []float64{0, math.Copysign(0, -1), 3}
		case 5:
			zeros = []float64{0, math.Copysign(0, -1), -3}
		}
		together := make([]numeric, ncol) // flushPending
		alone := make([]numeric, ncol)    // one by one
		for c := range ncol {
			together[c], alone[c] = newNumeric(), newNumeric()
		}
		for range 1 + r.IntN(4) {
			held := make([]*numeric, ncol)
			for c := range ncol {
				xs := make([]float64, r.IntN(3000))
				if r.IntN(5) == 0 {
					xs = xs[:0]
				}
				for i := range xs {
					xs[i] = value()
					alone[c].add(xs[i])
				}
				together[c].sizeHint = len(xs)
				together[c].hold(xs, nil)
				held[c] = &together[c]
			}
			flushPending(held)
		}
		for c := range ncol {
			g, w := together[c].stats(), alone[c].stats()
			gf := []float64{float64(g.count), g.sum, g.m.N, g.m.Avg, g.m.M2, g.min, g.max}
			wf := []float64{float64(w.count), w.sum, w.m.N, w.m.Avg, w.m.M2, w.min, w.max}
			for i := range gf {
				if !same(gf[i], wf[i]) {
					t.Fatalf("trial %d, column %d of %d: field %d = %v, one by one %v", trial, c, ncol, i, gf[i], wf[i])
				}
			}
			gs, ws := together[c].sketch, alone[c].sketch
			if (gs == nil) != (ws == nil) {
				t.Fatalf("trial %d, column %d: one sketch is missing", trial, c)
			}
			if gs != nil {
				gl, wl := gs.Levels(), ws.Levels()
				eq := len(gl) == len(wl)
				for h := 0; eq && h < len(gl); h++ {
					eq = slices.EqualFunc(gl[h], wl[h], same)
				}
				if !eq {
					t.Fatalf("trial %d, column %d: sketches differ", trial, c)
				}
			}
		}
	}
}

// TestCountTrue counts the true values of boolean arrays of 0–300 values, with and without
// nulls, all true or random, and of slices of them starting at every bit offset (the word loop
// reads across bytes), against a test per value.
func TestCountTrue(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for _, n := range []int{0, 1, 7, 63, 64, 65, 127, 128, 200, 300} {
		for _, nulls := range []bool{false, true} {
			for _, allTrue := range []bool{false, true} {
				b := array.NewBooleanBuilder(memory.DefaultAllocator)
				for range n {
					if nulls && r.IntN(4) == 0 {
						b.AppendNull()
					} else {
						b.Append(allTrue || r.IntN(2) == 0)
					}
				}
				built := b.NewBooleanArray()
				b.Release()
				// The builder pads its buffers to 64 bytes; rebuilt on buffers of exactly the bytes
				// the bits need, a word read past them panics.
				exact := func(buf *memory.Buffer) *memory.Buffer {
					if buf == nil || buf.Len() == 0 {
						return buf
					}
					return memory.NewBufferBytes(slices.Clone(buf.Bytes()[:(n+7)/8]))
				}
				var validity *memory.Buffer
				if built.NullN() != 0 {
					validity = built.Data().Buffers()[0]
				}
				data := array.NewData(arrow.FixedWidthTypes.Boolean, n, []*memory.Buffer{exact(validity), exact(built.Data().Buffers()[1])}, nil, built.NullN(), 0)
				whole := array.NewBooleanData(data)
				data.Release()
				built.Release()
				for from := 0; from <= min(n, 17); from++ {
					for _, to := range []int{n, max(from, n-1), max(from, n-9)} {
						a := array.NewSlice(whole, int64(from), int64(to)).(*array.Boolean)
						want := int64(0)
						for i := range a.Len() {
							if a.IsValid(i) && a.Value(i) {
								want++
							}
						}
						if got := countTrue(a); got != want {
							t.Fatalf("n=%d nulls=%v all=%v [%d:%d]: %d trues, want %d", n, nulls, allTrue, from, to, got, want)
						}
						a.Release()
					}
				}
				whole.Release()
			}
		}
	}
}
