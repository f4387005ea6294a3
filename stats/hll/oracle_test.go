package hll

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// oracleCase is one input for testdata/oracle.py (see its docstring).
type oracleCase struct {
	Name         string `json:"name"`
	Kind         string `json:"kind"` // str, long, double, hashes, hashfile
	Values       any    `json:"values,omitempty"`
	Path         string `json:"path,omitempty"`
	ReturnHashes bool   `json:"return_hashes,omitempty"`

	hashes   []uint64 // what this package computes for Values, in order
	estimate int64    // this package's Estimate of the stream
}

type oracleResult struct {
	Name     string   `json:"name"`
	Estimate int64    `json:"estimate"`
	Hashes   []uint64 `json:"hashes"`
}

// oracleCardinalities are the distinct counts of the random cases: every small
// count, the categorical-bucket threshold 120 (ColumnProfiler
// DEFAULT_CARDINALITY_THRESHOLD, contract §5.4) and its neighbours, and counts
// across linear counting (≤ 400), bias correction (raw estimate < 5m = 2560)
// and the plain HLL estimate.
var oracleCardinalities = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 50, 100, 119, 120, 121, 500, 1000, 5000, 50000}

// TestOracle is the differential test against the verified Python oracle
// shared/spec/reference/hll.py (driven by testdata/oracle.py): for random
// strings, int64s and float64s at every cardinality in oracleCardinalities,
// each value's hash and the final estimate must be identical; for 1M random
// strings the estimate over this package's hashes must be identical; and for
// 150 crafted register states spanning the estimator's branches the estimates
// must be identical.
func TestOracle(t *testing.T) {
	ref := filepath.Join(sharedDir(t), "spec", "reference")
	py := python3(t)
	rng := rand.New(rand.NewPCG(1, 1))
	tmp := t.TempDir()

	var cases []*oracleCase
	for _, n := range oracleCardinalities {
		strs := stream(rng, distinct(rng, n, randString))
		cases = append(cases, &oracleCase{Name: fmt.Sprintf("str/%d", n), Kind: "str", Values: strs, ReturnHashes: true,
			hashes: mapHash(strs, HashString)})
		if n > 5000 {
			continue // the Python oracle is slow; strings cover 50k
		}
		ints := stream(rng, distinct(rng, n, randInt64))
		cases = append(cases, &oracleCase{Name: fmt.Sprintf("long/%d", n), Kind: "long", Values: ints, ReturnHashes: true,
			hashes: mapHash(ints, HashInt64)})
		dbls := stream(rng, distinct(rng, n, randFloat64Bits))
		cases = append(cases, &oracleCase{Name: fmt.Sprintf("double/%d", n), Kind: "double", Values: dbls, ReturnHashes: true,
			hashes: mapHash(dbls, func(b uint64) uint64 { return HashFloat64(math.Float64frombits(b)) })})
	}

	// 1M strings (random 64-bit numbers in base 36, so distinct but for a
	// negligible chance of collision): Python cannot hash that many within the time budget,
	// so it receives this package's hashes (whose correctness the cases above
	// and TestXXH64MatchesDigest establish) and checks the estimate.
	const big = 1_000_000
	bigHashes := make([]uint64, big)
	bigBuf := make([]byte, 0, 8*big)
	var row []byte
	for i := range bigHashes {
		row = strconv.AppendUint(append(row[:0], "row-"...), rng.Uint64(), 36)
		bigHashes[i] = Hash(row)
		bigBuf = binary.LittleEndian.AppendUint64(bigBuf, bigHashes[i])
	}
	bigPath := filepath.Join(tmp, "hashes1M.bin")
	if err := os.WriteFile(bigPath, bigBuf, 0o644); err != nil {
		t.Fatal(err)
	}
	cases = append(cases, &oracleCase{Name: "str/1000000", Kind: "hashfile", Path: bigPath, hashes: bigHashes})

	// Crafted register states: hashes chosen so that the sketch holds a random
	// register vector with a given share of empty registers and geometric
	// register values ≤ 30 (above 30 the JVM's Int shift differs from hll.py
	// on purpose; see TestZTermJVMShift).
	for i := range 150 {
		zeroShare := float64(i%30) / 30 // 0, 1/30, …, 29/30 of registers empty
		level := 1 + rng.IntN(12)       // typical register value
		hs := craftHashes(rng, zeroShare, level)
		cases = append(cases, &oracleCase{Name: fmt.Sprintf("crafted/%d", i), Kind: "hashes", Values: hs, hashes: hs})
	}

	for _, c := range cases {
		var s Sketch
		for _, h := range c.hashes {
			s.AddHash(h)
		}
		c.estimate = s.Estimate()
	}

	res := runOracle(t, py, ref, tmp, cases)
	branches := map[string]int{}
	for _, c := range cases {
		r, ok := res[c.Name]
		if !ok {
			t.Fatalf("oracle.py returned no result for %s", c.Name)
		}
		if c.ReturnHashes {
			if len(r.Hashes) != len(c.hashes) {
				t.Fatalf("%s: oracle returned %d hashes, want %d", c.Name, len(r.Hashes), len(c.hashes))
			}
			for j, h := range c.hashes {
				if h != r.Hashes[j] {
					t.Fatalf("%s: value %d (%s) hashes to %#x, oracle %#x", c.Name, j, valueAt(c.Values, j), h, r.Hashes[j])
				}
			}
		}
		if c.estimate != r.Estimate {
			t.Errorf("%s: Estimate() = %d, oracle %d", c.Name, c.estimate, r.Estimate)
		}
		branches[branchOf(c.hashes)]++
	}
	t.Logf("estimator branches exercised: %v", branches)
	for _, br := range []string{"empty", "linear counting", "bias corrected", "raw"} {
		if branches[br] == 0 {
			t.Errorf("no case exercises the %s branch", br)
		}
	}
}

// runOracle runs testdata/oracle.py over the cases, split by size into one
// concurrent process per CPU (at most 4) to keep the test fast, and returns
// the results by case name.
func runOracle(t *testing.T, py, ref, tmp string, cases []*oracleCase) map[string]oracleResult {
	t.Helper()
	workers := min(max(runtime.NumCPU(), 1), 4)
	groups := make([][]*oracleCase, workers)
	load := make([]int, workers)
	bySize := append([]*oracleCase(nil), cases...)
	sort.SliceStable(bySize, func(a, b int) bool { return len(bySize[a].hashes) > len(bySize[b].hashes) })
	for _, c := range bySize { // greedy: biggest case to the least loaded process
		w := 0
		for i := range load {
			if load[i] < load[w] {
				w = i
			}
		}
		groups[w] = append(groups[w], c)
		load[w] += len(c.hashes) + 1000
	}
	start := time.Now()
	results := make([][]oracleResult, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w, g := range groups {
		wg.Go(func() {
			in := filepath.Join(tmp, fmt.Sprintf("in%d.json", w))
			out := filepath.Join(tmp, fmt.Sprintf("out%d.json", w))
			b, err := json.Marshal(map[string]any{"cases": g})
			if err == nil {
				err = os.WriteFile(in, b, 0o644)
			}
			if err != nil {
				errs[w] = err
				return
			}
			cmd := exec.Command(py, filepath.Join("testdata", "oracle.py"), ref, in, out)
			if msg, err := cmd.CombinedOutput(); err != nil {
				errs[w] = fmt.Errorf("oracle.py: %w\n%s", err, msg)
				return
			}
			if b, err = os.ReadFile(out); err == nil {
				err = json.Unmarshal(b, &results[w])
			}
			errs[w] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	t.Logf("oracle.py ran %d cases in %d processes in %v", len(cases), workers, time.Since(start).Round(time.Millisecond))
	byName := make(map[string]oracleResult, len(cases))
	for _, rs := range results {
		for _, r := range rs {
			byName[r.Name] = r
		}
	}
	return byName
}

// branchOf names the Estimate branch a stream of hashes ends in.
func branchOf(hs []uint64) string {
	var s Sketch
	for _, h := range hs {
		s.AddHash(h)
	}
	var zInverse, v float64
	for _, r := range s.reg {
		zInverse += math.Ldexp(1, -int(r))
		if r == 0 {
			v++
		}
	}
	switch {
	case v == NumRegisters:
		return "empty"
	case v > 0 && NumRegisters*math.Log(NumRegisters/v) <= linearCountingThreshold:
		return "linear counting"
	case alphaM2/zInverse < 5*NumRegisters:
		return "bias corrected"
	}
	return "raw"
}

// craftHashes returns hashes that leave each register empty with probability
// zeroShare and otherwise at 1 + a geometric number of extra levels around
// level, capped at 30; each non-empty register also receives a few smaller
// values, which must not change it.
func craftHashes(rng *rand.Rand, zeroShare float64, level int) []uint64 {
	var hs []uint64
	for j := range uint64(NumRegisters) {
		if rng.Float64() < zeroShare {
			continue
		}
		r := max(1, min(30, level-2+rng.IntN(5)+geometric(rng)))
		for k := 1; k <= r; k += 1 + rng.IntN(4) {
			hs = append(hs, hashWithRank(rng, j, k))
		}
		hs = append(hs, hashWithRank(rng, j, r))
	}
	rng.Shuffle(len(hs), func(a, b int) { hs[a], hs[b] = hs[b], hs[a] })
	return hs
}

func geometric(rng *rand.Rand) int {
	n := 0
	for rng.IntN(2) == 0 {
		n++
	}
	return n
}

// hashWithRank returns a random hash that AddHash maps to register j with
// rank r (1 ≤ r ≤ 56): index j in the top 9 bits, then r−1 zero bits, a one
// bit, and random bits below it.
func hashWithRank(rng *rand.Rand, j uint64, r int) uint64 {
	x := j << (64 - Precision)
	if r <= 64-Precision {
		bit := uint64(1) << (64 - Precision - r)
		x |= bit | rng.Uint64()&(bit-1)
	}
	return x
}

// distinct returns n distinct values drawn with gen.
func distinct[T comparable](rng *rand.Rand, n int, gen func(*rand.Rand) T) []T {
	seen := make(map[T]bool, n)
	out := make([]T, 0, n)
	for len(out) < n {
		v := gen(rng)
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// stream returns the distinct values plus about half of them again, shuffled,
// so that duplicates are exercised.
func stream[T any](rng *rand.Rand, vals []T) []T {
	out := append([]T(nil), vals...)
	for range len(vals) / 2 {
		out = append(out, vals[rng.IntN(len(vals))])
	}
	rng.Shuffle(len(out), func(a, b int) { out[a], out[b] = out[b], out[a] })
	return out
}

func mapHash[T any](vals []T, h func(T) uint64) []uint64 {
	out := make([]uint64, len(vals))
	for i, v := range vals {
		out[i] = h(v)
	}
	return out
}

func valueAt(vals any, j int) string {
	switch v := vals.(type) {
	case []string:
		return fmt.Sprintf("%q", v[j])
	case []int64:
		return fmt.Sprint(v[j])
	case []uint64:
		return fmt.Sprintf("%#x", v[j])
	}
	return "?"
}

// stringAlphabet mixes ASCII with 2-, 3- and 4-byte UTF-8 runes so that hashed
// byte lengths differ from rune counts.
var stringAlphabet = []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-_:/éßø中文字🙂🚀")

// randString returns a string of 0..80 runes: lengths cover XXH64's short
// path and several 32-byte stripes.
func randString(rng *rand.Rand) string {
	n := rng.IntN(81)
	if rng.IntN(4) == 0 {
		n = rng.IntN(9) // many short values, like CSV categories
	}
	var sb strings.Builder
	for range n {
		sb.WriteRune(stringAlphabet[rng.IntN(len(stringAlphabet))])
	}
	return sb.String()
}

// randInt64 returns small integers (as in count columns) or any int64.
func randInt64(rng *rand.Rand) int64 {
	if rng.IntN(2) == 0 {
		return int64(rng.IntN(20001)) - 10000
	}
	return int64(rng.Uint64())
}

// randFloat64Bits returns the bit pattern of a decimal-looking value, a special
// value (±0, ±Inf, the canonical NaN) or arbitrary bits that are not NaN (for
// NaN payloads this package and hll.py differ on purpose; see HashFloat64).
func randFloat64Bits(rng *rand.Rand) uint64 {
	switch rng.IntN(3) {
	case 0:
		return math.Float64bits(float64(rng.IntN(2_000_001)-1_000_000) / 100)
	case 1:
		specials := []uint64{0, 1 << 63, 0x7ff0000000000000, 0xfff0000000000000, javaCanonicalNaN}
		return specials[rng.IntN(len(specials))]
	}
	for {
		b := rng.Uint64()
		if f := math.Float64frombits(b); f == f {
			return b
		}
	}
}
