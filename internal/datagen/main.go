// Command datagen writes a synthetic CSV dataset with a fixed seed, for benchmarks and scenario
// data: integer, fractional, low-cardinality string, high-cardinality string and boolean columns.
//
//	go run ./internal/datagen -bytes 1000000000 -seed 1 -out /tmp/bench.csv
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
)

func main() {
	size := flag.Int64("bytes", 100<<20, "approximate output size in bytes")
	seed := flag.Uint64("seed", 1, "random seed")
	out := flag.String("out", "", "output file (default stdout)")
	flag.Parse()
	w := os.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer f.Close()
		w = f
	}
	if err := Write(w, *size, *seed); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

var cities = []string{"Phoenix", "Omaha", "Denver", "Austin", "Boston", "Seattle", "Miami", "Chicago", "Portland", "Atlanta", "Dallas", "Tulsa"}

// Write writes rows until about size bytes are written. Columns: id (int), age (int), income
// (float), score (float, with 1 % missing), city (12 values), user (high cardinality), active (bool),
// ratio (float in [0,1)), count (int, Poisson-like).
func Write(f *os.File, size int64, seed uint64) error {
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
