package stats

import (
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
)

// TestSkipCountingSameResult: chunks that skip the categories of columns whose merged counts were
// dropped (SkipCounting) merge into exactly the profile of chunks that count everything, and skip
// work: a skipping chunk's column reports dropped counts.
func TestSkipCountingSameResult(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	names := []string{"id", "city", "mixed", "late"}
	var chunks [][][]*string
	id := 0
	for range 12 { // 12 chunks of 300 rows: "id" passes CategoryCap after the 4th chunk
		var rows [][]*string
		for range 300 {
			id++
			row := []*string{s(strconv.Itoa(id)), s([]string{"a", "b", "c"}[r.IntN(3)]), nil, nil}
			if r.IntN(4) == 0 {
				row[2] = s("x" + strconv.Itoa(r.IntN(2000)))
			} else {
				row[2] = s(strconv.FormatFloat(r.Float64(), 'f', 3, 64))
			}
			if id > 2400 {
				row[3] = s(strconv.Itoa(r.IntN(5000)))
			}
			rows = append(rows, row)
		}
		chunks = append(chunks, rows)
	}
	plain, skipping := NewProfile(), NewProfile()
	skipped := 0
	for _, rows := range chunks {
		a := NewProfile()
		if err := a.Add(record(names, rows)); err != nil {
			t.Fatal(err)
		}
		plain.Merge(a)

		dropped := map[string]bool{}
		for _, c := range skipping.Columns() {
			dropped[c.Name] = c.CategoriesDropped()
		}
		b := NewProfile()
		b.SkipCounting(func(name string) bool { return dropped[name] })
		if err := b.Add(record(names, rows)); err != nil {
			t.Fatal(err)
		}
		for _, c := range b.Columns() {
			if dropped[c.Name] {
				skipped++
				if !c.CategoriesDropped() {
					t.Errorf("column %s counted categories after the merged profile dropped them", c.Name)
				}
			}
		}
		skipping.Merge(b)
	}
	if skipped == 0 {
		t.Fatal("no chunk skipped counting: the test data does not exercise SkipCounting")
	}
	if got, want := skipping.Features(), plain.Features(); !reflect.DeepEqual(got, want) {
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("column %s differs:\n got %+v\nwant %+v", want[i].Name, got[i], want[i])
			}
		}
	}
	for _, f := range plain.Features() {
		if f.Name == "city" && f.ValueCounts == nil {
			t.Error("city lost its exact counts")
		}
	}
}
