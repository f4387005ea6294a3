package capture

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/driftwatch/driftwatch/analyzer/decode"
)

// benchBytes is the size of a generated chunk: 8 MB, two of the container's 4 MiB splits.
const benchBytes = 8 << 20

// benchFeatures is the number of input features per record.
const benchFeatures = 10

// benchValues returns the values of one generated row: benchFeatures input values (integers,
// decimals and a category, as in tabular models) and one output probability.
func benchValues(r *rand.Rand) (in []string, out string) {
	in = make([]string, benchFeatures)
	for k := range in {
		switch k % 3 {
		case 0:
			in[k] = strconv.Itoa(r.IntN(1000))
		case 1:
			in[k] = strconv.FormatFloat(r.Float64()*100, 'f', 3, 64)
		default:
			in[k] = []string{"red", "green", "blue"}[r.IntN(3)]
		}
	}
	return in, strconv.FormatFloat(r.Float64(), 'g', -1, 64)
}

// benchCapture generates about benchBytes of capture records shaped like the real ones
// (FX:mme-movielens-2019), with CSV or JSON payloads.
func benchCapture(json bool) []byte {
	r := rand.New(rand.NewPCG(1, 1))
	var b strings.Builder
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; b.Len() < benchBytes; i++ {
		in, out := benchValues(r)
		var inData, outData, ct string
		if json {
			for k, v := range in {
				if k%3 == 2 {
					in[k] = `\"` + v + `\"`
				}
			}
			inData = `{\"instances\": [[` + strings.Join(in, ", ") + `]]}`
			outData = `{\"predictions\": [` + out + `]}`
			ct = "application/json"
		} else {
			inData = strings.Join(in, ",") + `\n`
			outData = out
			ct = "text/csv"
		}
		enc := strings.ToUpper(ct[strings.IndexByte(ct, '/')+1:])
		b.WriteString(`{"captureData":{"endpointInput":{"observedContentType":"` + ct + `","mode":"INPUT","data":"` + inData +
			`","encoding":"` + enc + `"},"endpointOutput":{"observedContentType":"` + ct + `; charset=utf-8","mode":"OUTPUT","data":"` +
			outData + `","encoding":"` + enc + `"}},"eventMetadata":{"eventId":"` + strconv.FormatUint(r.Uint64(), 16) +
			`-b578-4b7d-a04f-b6de5289e14b","inferenceTime":"` + t0.Add(time.Duration(i)*time.Second).Format(time.RFC3339) +
			`"},"eventVersion":"0"}` + "\n")
	}
	return []byte(b.String())
}

// benchPlainCSV generates about benchBytes of plain CSV rows with the same values (output first),
// the input decode.ParseCSV reads for a baseline: the reference for capture decoding per byte.
func benchPlainCSV() []byte {
	r := rand.New(rand.NewPCG(1, 1))
	var b strings.Builder
	for b.Len() < benchBytes {
		in, out := benchValues(r)
		b.WriteString(out + "," + strings.Join(in, ",") + "\n")
	}
	return []byte(b.String())
}

// BenchmarkParse parses one generated 8 MB chunk of capture records with CSV and JSON payloads,
// with and without a window, next to decode.ParseCSV on plain CSV rows of the same values.
// Compare capture MB/s with the reference (target: within 1.5x per byte):
//
//	go test -run '^$' -bench BenchmarkParse -benchmem -count 6 ./analyzer/capture/ | tee /tmp/capture.txt
//	benchstat /tmp/capture.txt
func BenchmarkParse(b *testing.B) {
	window := Options{OutputFirst: true, Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, c := range []struct {
		name string
		json bool
		opt  Options
	}{
		{"CSV", false, Options{OutputFirst: true}},
		{"CSVWindow", false, window},
		{"JSON", true, Options{OutputFirst: true}},
	} {
		b.Run(c.name, func(b *testing.B) {
			chunk := decode.Chunk{File: "bench.jsonl", Data: benchCapture(c.json), FirstLine: 1, FirstRecord: 1}
			b.SetBytes(int64(len(chunk.Data)))
			b.ReportAllocs()
			var rows int64
			for b.Loop() {
				rec, sum, err := Parse(chunk, c.opt, memory.DefaultAllocator)
				if err != nil || sum.Unusable != 0 || rec.NumCols() != benchFeatures+1 {
					b.Fatalf("%v %+v", err, sum)
				}
				rows += sum.Rows
				rec.Release()
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
	b.Run("ReferenceDecodeCSV", func(b *testing.B) {
		chunk := decode.Chunk{File: "bench.csv", Data: benchPlainCSV(), FirstLine: 1, FirstRecord: 1}
		names := make([]string, benchFeatures+1)
		for k := range names {
			names[k] = "_c" + strconv.Itoa(k)
		}
		b.SetBytes(int64(len(chunk.Data)))
		b.ReportAllocs()
		var rows int64
		for b.Loop() {
			rec, err := decode.ParseCSV(chunk, names, memory.DefaultAllocator)
			if err != nil {
				b.Fatal(err)
			}
			rows += rec.NumRows()
			rec.Release()
		}
		b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	})
}
