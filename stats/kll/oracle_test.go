package kll

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

type oracleCase struct {
	name  string
	k     int
	c     float64
	parts [][]float64
}

// TestOracle is the differential test against the reference oracle shared/spec/reference/kll.py
// (verified against the real container, see its README) driven by testdata/kll_driver.py: for
// every case, each part is streamed into its own sketch with Update, then the parts are merged in
// order into a fresh sketch (Spark's final aggregation); every resulting Levels() must equal the
// oracle's data() bit for bit. The driver adds Deequ's merge and Java's -0.0 < 0.0 sort order to
// kll.py (see its doc string).
func TestOracle(t *testing.T) {
	ref := filepath.Join(sharedDir(t), "spec", "reference")
	if _, err := os.Stat(filepath.Join(ref, "kll.py")); err != nil {
		skipOrFail(t, "reference oracle missing: %v", err)
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		skipOrFail(t, "python3 not found: %v", err)
	}

	// The oracle is slow Python: split the cases round-robin over a few processes.
	cases := oracleCases(testing.Short())
	chunks := min(4, runtime.NumCPU(), len(cases))
	dir := t.TempDir()
	cmds := make([]*exec.Cmd, chunks)
	outs := make([]bytes.Buffer, chunks)
	outPaths := make([]string, chunks)
	start := time.Now()
	for ch := range chunks {
		var in bytes.Buffer
		w := func(v any) { must(t, binary.Write(&in, binary.LittleEndian, v)) }
		w(uint32((len(cases) - ch + chunks - 1) / chunks))
		for i := ch; i < len(cases); i += chunks {
			tc := cases[i]
			w(uint32(tc.k))
			w(tc.c)
			w(uint32(len(tc.parts)))
			for _, p := range tc.parts {
				w(uint32(len(p)))
				w(p)
			}
		}
		inPath := filepath.Join(dir, fmt.Sprintf("in%d.bin", ch))
		outPaths[ch] = filepath.Join(dir, fmt.Sprintf("out%d.bin", ch))
		must(t, os.WriteFile(inPath, in.Bytes(), 0o644))
		cmds[ch] = exec.Command(py, filepath.Join("testdata", "kll_driver.py"), ref, inPath, outPaths[ch])
		cmds[ch].Stdout, cmds[ch].Stderr = &outs[ch], &outs[ch]
		must(t, cmds[ch].Start())
	}
	readers := make([]*bytes.Reader, chunks)
	for ch, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("kll_driver.py: %v\n%s", err, outs[ch].String())
		}
		raw, err := os.ReadFile(outPaths[ch])
		must(t, err)
		readers[ch] = bytes.NewReader(raw)
	}
	t.Logf("oracle ran %d cases in %d processes in %v", len(cases), chunks, time.Since(start))

	for i, tc := range cases {
		rd := readers[i%chunks]
		t.Run(tc.name, func(t *testing.T) {
			final := NewWithParams(tc.k, tc.c)
			for i, p := range tc.parts {
				s := build(tc.k, tc.c, p)
				if err := sameBits(s.Levels(), readLevels(t, rd)); err != nil {
					t.Errorf("part %d (%d values): %v", i, len(p), err)
				}
				final.Merge(s)
			}
			if err := sameBits(final.Levels(), readLevels(t, rd)); err != nil {
				t.Errorf("merged: %v", err)
			}
		})
	}
	for ch, rd := range readers {
		if rd.Len() != 0 {
			t.Fatalf("%d unread bytes in oracle output %d", rd.Len(), ch)
		}
	}
}

func readLevels(t *testing.T, r io.Reader) [][]float64 {
	t.Helper()
	var nl uint32
	must(t, binary.Read(r, binary.LittleEndian, &nl))
	out := make([][]float64, nl)
	for h := range out {
		var n uint32
		must(t, binary.Read(r, binary.LittleEndian, &n))
		out[h] = make([]float64, n)
		must(t, binary.Read(r, binary.LittleEndian, out[h]))
	}
	return out
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// oracleCases: every distribution at sizes around the capacity boundaries of k = 2048 (2050 =
// cap(0), 3362 = cap(0)+cap(1), 23432 = the housing file), large streams for some, small k
// (many levels, including capacity 4 levels) and multi-part merges with random sizes.
func oracleCases(short bool) []oracleCase {
	r := rand.New(rand.NewPCG(1, 1))
	var cases []oracleCase
	one := func(name string, k int, c float64, parts ...[]float64) {
		cases = append(cases, oracleCase{name, k, c, parts})
	}
	for _, d := range dists {
		for _, n := range []int{0, 1, 2, 3, 2049, 2050, 2051, 3362, 3363, 5000, 23432} {
			one(fmt.Sprintf("%s/n=%d", d, n), DefaultK, DefaultC, gen(d, n, r))
		}
	}
	big := []int{100000, 200000}
	if short {
		big = nil
	}
	for _, d := range []string{"normal", "dup20", "signedzero", "ascending"} {
		for _, n := range big {
			one(fmt.Sprintf("%s/n=%d", d, n), DefaultK, DefaultC, gen(d, n, r))
		}
	}
	for _, kc := range []struct {
		k int
		c float64
	}{{8, 0.64}, {16, 0.64}, {64, 0.5}, {100, 0.9}, {2, 1}} {
		for _, d := range []string{"normal", "dup20", "signedzero", "extreme"} {
			one(fmt.Sprintf("k=%d,c=%v/%s", kc.k, kc.c, d), kc.k, kc.c, gen(d, 20000, r))
		}
	}
	for i := range 12 {
		k := []int{DefaultK, 16}[i%2]
		var parts [][]float64
		for range 1 + r.IntN(4) {
			parts = append(parts, gen(dists[r.IntN(len(dists))], r.IntN(60000), r))
		}
		one(fmt.Sprintf("merge%d/k=%d/%d-parts", i, k, len(parts)), k, DefaultC, parts...)
	}
	// Partitions at exactly their total capacity trigger one more compaction when merged.
	one("merge/at-capacity", DefaultK, DefaultC, gen("normal", 2050, r), gen("normal", 2050, r))
	one("merge/empty-parts", DefaultK, DefaultC, nil, gen("uniform", 4000, r), nil)
	return cases
}
