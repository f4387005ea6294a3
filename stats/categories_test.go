package stats

import (
	"maps"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestCategoryFormsRandom adds random arrays to columns grouped at random, merges them in order
// (some after an encode/decode round trip), and compares the exact counts, the drop at
// CategoryCap, the kinds, the tracked counts and the finished value counts with one column given
// every array by addStringsPlain (map form only). Distinct values sit around the cap (1,024 and
// 1,025), long values (counted by hash) mix with short ones (counted in the memo), 5 % are null.
func TestCategoryFormsRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	long := strings.Repeat("long", 5)
	track := []string{"1", "7", long + "14", "3"}
	trackSet := map[string]struct{}{}
	for _, v := range track {
		trackSet[v] = struct{}{}
	}
	for iter := range 200 {
		distinct := []int{5, 300, 1000, 1024, 1025, 1100}[rng.IntN(6)]
		arrays := make([][]*string, 1+rng.IntN(5))
		wantTracked := map[string]int64{}
		for i := range arrays {
			vals := make([]*string, rng.IntN(3000))
			for j := range vals {
				if rng.IntN(20) == 0 {
					continue
				}
				k := rng.IntN(distinct)
				s := strconv.Itoa(k)
				if k%7 == 0 {
					s = long + s
				}
				vals[j] = &s
				if _, ok := trackSet[s]; ok {
					wantTracked[s]++
				}
			}
			arrays[i] = vals
		}
		oracle := NewColumn("x")
		for _, a := range arrays {
			oracle.addStringsPlain(stringArray(a))
		}

		var got *Column
		for i := 0; i < len(arrays); {
			c := NewColumn("x")
			c.setTracked(newTrackedSet(trackSet))
			for g := 1 + rng.IntN(2); g > 0 && i < len(arrays); g-- {
				c.Add(stringArray(arrays[i]))
				i++
			}
			if rng.IntN(3) == 0 {
				c = roundTrip(t, c, track)
			}
			if got == nil {
				got = c
			} else {
				got.Merge(c)
			}
		}
		if got.catsOff != oracle.catsOff || !maps.Equal(categoryMap(got), categoryMap(oracle)) {
			t.Fatalf("iteration %d (%d distinct): dropped %v with %d values, want %v with %d", iter, distinct,
				got.catsOff, got.numCategories(), oracle.catsOff, oracle.numCategories())
		}
		if got.Kinds != oracle.Kinds {
			t.Fatalf("iteration %d: kinds %v, want %v", iter, got.Kinds, oracle.Kinds)
		}
		tracked := map[string]int64{}
		for v, n := range got.tracked {
			if n != 0 {
				tracked[v] = n
			}
		}
		if !maps.Equal(tracked, wantTracked) {
			t.Fatalf("iteration %d: tracked %v, want %v", iter, tracked, wantTracked)
		}
		if a, b := finishedCounts(got), finishedCounts(oracle); !maps.Equal(a, b) {
			t.Fatalf("iteration %d: finished value counts differ (%d against %d values)", iter, len(a), len(b))
		}
	}
}

// roundTrip returns c encoded and decoded as the one column of a profile tracking track.
func roundTrip(t *testing.T, c *Column, track []string) *Column {
	t.Helper()
	p := NewProfile()
	p.TrackValues(track)
	p.cols, p.index["x"] = append(p.cols, c), 0
	for _, n := range c.Kinds {
		p.Rows += n
	}
	b, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	q := NewProfile()
	q.TrackValues(track)
	if err := q.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	return q.cols[0]
}

// finishedCounts is the ValueCounts a profile holding c alone reports.
func finishedCounts(c *Column) map[string]int64 {
	p := NewProfile()
	p.cols, p.index["x"] = append(p.cols, c), 0
	for _, n := range c.Kinds {
		p.Rows += n
	}
	return p.Features()[0].ValueCounts
}
