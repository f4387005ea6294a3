// Package gen writes the synthetic datasets of the benchmarks with a fixed seed: the mixed
// 9-column CSV, the same rows as SageMaker capture JSONL, and wide numeric CSV. Command datagen
// (the parent directory) writes them to files; benchmarks call it directly.
package gen

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

var cities = []string{"Phoenix", "Omaha", "Denver", "Austin", "Boston", "Seattle", "Miami", "Chicago", "Portland", "Atlanta", "Dallas", "Tulsa"}

// Write writes rows until about size bytes are written. Columns: id (int), age (int), income
// (float), score (float, with 1 % missing), city (12 values), user (high cardinality), active (bool),
// ratio (float in [0,1)), count (int, Poisson-like).
func Write(f io.Writer, size int64, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, seed))
	w := bufio.NewWriterSize(f, 1<<20)
	header := "id,age,income,score,city,user,active,ratio,count\n"
	w.WriteString(header)
	written := int64(len(header))
	var buf []byte
	for id := int64(1); written < size; id++ {
		buf = buf[:0]
		buf = strconv.AppendInt(buf, id, 10)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(18+r.IntN(70)), 10)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, math.Round(math.Exp(10+r.NormFloat64())*100)/100, 'f', -1, 64)
		buf = append(buf, ',')
		if r.IntN(100) != 0 {
			buf = strconv.AppendFloat(buf, r.NormFloat64()*15+600, 'f', 3, 64)
		}
		buf = append(buf, ',')
		buf = append(buf, cities[r.IntN(len(cities))]...)
		buf = append(buf, ",u"...)
		buf = strconv.AppendUint(buf, r.Uint64()%50_000_000, 36)
		buf = append(buf, ',')
		buf = strconv.AppendBool(buf, r.IntN(3) == 0)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, r.Float64(), 'g', 6, 64)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(r.ExpFloat64()*3), 10)
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			return err
		}
		written += int64(len(buf))
	}
	return w.Flush()
}

// WriteCapture writes capture records whose rows are those of Write (the first column, id, is the
// model output; the rest the input), until about size bytes are written.
func WriteCapture(f io.Writer, size int64, seed uint64) error {
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(Write(pw, 1<<62, seed)) // ends when pr is closed
	}()
	defer pr.Close()
	sc := bufio.NewScanner(bufio.NewReaderSize(pr, 1<<20))
	sc.Scan() // header
	w := bufio.NewWriterSize(f, 1<<20)
	var written int64
	for i := 0; written < size && sc.Scan(); i++ {
		line := sc.Text()
		comma := strings.IndexByte(line, ',')
		rec := fmt.Sprintf(`{"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT","data":%s,"encoding":"CSV"},"endpointOutput":{"observedContentType":"text/csv; charset=utf-8","mode":"OUTPUT","data":%s,"encoding":"CSV"}},"eventMetadata":{"eventId":"%08x-0000-4000-8000-000000000000","inferenceTime":"2026-11-01T10:%02d:%02dZ"},"eventVersion":"0"}`+"\n",
			strconv.Quote(line[comma+1:]), strconv.Quote(line[:comma]), i, (i/60)%60, i%60)
		n, err := w.WriteString(rec)
		if err != nil {
			return err
		}
		written += int64(n)
	}
	return w.Flush()
}

// WriteWide writes a header of cols columns c0, c1, … and rows of numbers until about size bytes are
// written: even columns integers in [0, 100000), odd columns decimals with three fraction digits,
// each column on its own scale.
func WriteWide(f io.Writer, size int64, seed uint64, cols int) error {
	r := rand.New(rand.NewPCG(seed, seed))
	w := bufio.NewWriterSize(f, 1<<20)
	var buf []byte
	for c := range cols {
		if c > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, 'c')
		buf = strconv.AppendInt(buf, int64(c), 10)
	}
	buf = append(buf, '\n')
	written := int64(0)
	for written < size {
		for c := range cols {
			if c > 0 {
				buf = append(buf, ',')
			}
			if c%2 == 0 {
				buf = strconv.AppendInt(buf, int64(r.IntN(100000)), 10)
			} else {
				buf = strconv.AppendFloat(buf, (r.NormFloat64()+float64(c%7))*float64(c+1), 'f', 3, 64)
			}
		}
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			return err
		}
		written += int64(len(buf))
		buf = buf[:0]
	}
	return w.Flush()
}
