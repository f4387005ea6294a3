package decode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/driftwatch/driftwatch/internal/datagen/gen"
)

// benchSize is the generated input size: 16 MiB, four default chunks.
const benchSize = 16 << 20

var (
	benchOnce          sync.Once
	benchCSV, benchJSL []byte
	benchCSVRows       int
	benchJSLRows       int
)

// benchData generates, once and from a fixed seed, a CSV table and a JSON Lines file of about
// benchSize bytes each with the column kinds of real baselines: integers, floats, a low-cardinality
// category, a high-cardinality string (some quoted with a comma), booleans and 5% empty cells.
func benchData() {
	benchOnce.Do(func() {
		rnd := rand.New(rand.NewPCG(1, 1))
		cats := []string{"red", "green", "blue", "yellow", "black"}
		var c, j bytes.Buffer
		c.WriteString("id,age,income,score,category,name,flag,count\n")
		for row := 0; c.Len() < benchSize || j.Len() < benchSize; row++ {
			age := strconv.Itoa(18 + rnd.IntN(70))
			income := strconv.FormatFloat(rnd.ExpFloat64()*50000, 'f', 2, 64)
			score := strconv.FormatFloat(rnd.NormFloat64(), 'g', -1, 64)
			cat := cats[rnd.IntN(len(cats))]
			name := fmt.Sprintf("user%08x", rnd.Uint32())
			if rnd.IntN(10) == 0 {
				name = `"` + name + `, jr"`
			}
			flag := strconv.FormatBool(rnd.IntN(2) == 0)
			count := strconv.Itoa(rnd.IntN(1000))
			if rnd.IntN(20) == 0 {
				count = ""
			}
			if c.Len() < benchSize {
				fmt.Fprintf(&c, "%d,%s,%s,%s,%s,%s,%s,%s\n", row, age, income, score, cat, name, flag, count)
				benchCSVRows++
			}
			if j.Len() < benchSize {
				if name[0] == '"' {
					name = name[1 : len(name)-1]
				}
				if count == "" {
					count = "null"
				}
				fmt.Fprintf(&j, `{"id":%d,"age":%s,"income":%s,"score":%s,"category":"%s","user":{"name":"%s","flag":%s},"tags":[%s,%s],"count":%s}`+"\n",
					row, age, income, score, cat, name, flag, age, count, count)
				benchJSLRows++
			}
		}
		benchCSV, benchJSL = c.Bytes(), j.Bytes()
	})
}

// BenchmarkCSVSplitParse measures one core splitting and parsing a 16 MiB CSV table into Arrow
// batches (the work per core of the real pipeline, where parsing runs on all cores).
//
//	go test -run '^$' -bench 'CSV|JSON' -benchmem -count 6 ./analyzer/decode/ | tee new.txt
//	benchstat old.txt new.txt
func BenchmarkCSVSplitParse(b *testing.B) {
	benchData()
	plain := bytes.ReplaceAll(bytes.ReplaceAll(benchCSV, []byte(", jr"), []byte(" jr")), []byte{'"'}, nil)
	b.Run("go", func(b *testing.B) { benchCSVSplitParse(b, benchCSV, memory.NewGoAllocator()) })
	b.Run("pool", func(b *testing.B) { benchCSVSplitParse(b, benchCSV, NewPool(64<<20)) })
	// plain: the same table without quotes, the fast path (plainCSV); general: the same bytes
	// through the general parser.
	b.Run("plain", func(b *testing.B) { benchCSVSplitParse(b, plain, NewPool(64<<20)) })
	b.Run("plain-general", func(b *testing.B) {
		fastCSV = false
		defer func() { fastCSV = true }()
		benchCSVSplitParse(b, plain, NewPool(64<<20))
	})
	// wide: 1,000 numeric columns (the shape of #6's wide-data target), the fast path.
	wide, rows := wideCSV(1000, benchSize)
	b.Run("wide", func(b *testing.B) { benchCSVSplitParseRows(b, wide, rows, NewPool(64<<20)) })
}

// wideCSV returns about size bytes of the wide CSV table internal/datagen -wide writes (cols
// numeric columns, alternately integers and decimals with three places) and its row count.
func wideCSV(cols, size int) ([]byte, int) {
	var c bytes.Buffer
	if err := gen.WriteWide(&c, int64(size), 2, cols); err != nil {
		panic(err)
	}
	return c.Bytes(), bytes.Count(c.Bytes(), []byte{'\n'}) - 1
}

func benchCSVSplitParse(b *testing.B, data []byte, mem memory.Allocator) {
	benchCSVSplitParseRows(b, data, benchCSVRows, mem)
}

func benchCSVSplitParseRows(b *testing.B, data []byte, want int, mem memory.Allocator) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		sp, err := NewCSVSplitter("bench.csv", bytes.NewReader(data), CSVOptions{Header: true})
		if err != nil {
			b.Fatal(err)
		}
		rows := int64(0)
		for {
			c, err := sp.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rec, err := ParseCSV(c, sp.Columns(), mem)
			if err != nil {
				b.Fatal(err)
			}
			rows += rec.NumRows()
			rec.Release()
		}
		if rows != int64(want) {
			b.Fatalf("%d rows, want %d", rows, want)
		}
	}
	b.ReportMetric(float64(want)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	reportCPU(b, cpu0, len(data))
}

// BenchmarkCSVSplit measures the sequential part alone, the quote-aware splitter, on the table
// (10% of lines hold a quoted field) and on the same bytes without quotes (most real baselines).
//
//	go test -run '^$' -bench 'CSVSplit$' -benchmem ./analyzer/decode/
func BenchmarkCSVSplit(b *testing.B) {
	benchData()
	for _, bc := range []struct {
		name string
		data []byte
	}{
		{"quoted", benchCSV},
		{"plain", bytes.ReplaceAll(benchCSV, []byte{'"'}, []byte{'x'})},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.data)))
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				sp, err := NewCSVSplitter("bench.csv", bytes.NewReader(bc.data), CSVOptions{Header: true})
				if err != nil {
					b.Fatal(err)
				}
				for {
					if _, err := sp.Next(); err != nil {
						if errors.Is(err, io.EOF) {
							break
						}
						b.Fatal(err)
					}
				}
			}
			reportCPU(b, cpu0, len(bc.data))
		})
	}
}

// reportCPU adds cpu-MB/s: bytes per second of process CPU time (all threads, GC included). On a
// loaded machine MB/s (wall time) understates the speed of one core; cpu-MB/s does not.
func reportCPU(b *testing.B, cpu0 time.Duration, size int) {
	if d := cpuTime() - cpu0; d > 0 {
		b.ReportMetric(float64(size)*float64(b.N)/1e6/d.Seconds(), "cpu-MB/s")
	}
}

// BenchmarkJSONLinesSplitParse measures one core splitting and parsing 16 MiB of JSON Lines (nested
// object, array, null) into Arrow batches.
//
//	go test -run '^$' -bench 'JSONLines' -benchmem -count 6 ./analyzer/decode/
func BenchmarkJSONLinesSplitParse(b *testing.B) {
	benchData()
	mem := memory.NewGoAllocator()
	b.SetBytes(int64(len(benchJSL)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		sp := NewLineSplitter("bench.jsonl", bytes.NewReader(benchJSL), 0, nil)
		rows := int64(0)
		for {
			c, err := sp.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rec, err := ParseJSONLines(c, mem)
			if err != nil {
				b.Fatal(err)
			}
			rows += rec.NumRows()
			rec.Release()
		}
		if rows != int64(benchJSLRows) {
			b.Fatalf("%d rows, want %d", rows, benchJSLRows)
		}
	}
	b.ReportMetric(float64(benchJSLRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	reportCPU(b, cpu0, len(benchJSL))
}
