package analyzer

import (
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
	"strings"

	"github.com/driftwatch/driftwatch/analyzer/source"
)

// DefaultUnitSize is the size of a merge unit (256 MiB): the granularity at which a sharded job
// divides its input, and the first level of the merge tree every job uses (docs/sharding.md).
// Smaller units balance shards better; every unit adds its accumulators (up to ~40 KB per numeric
// feature, the KLL sketch) to a partial profile and one merge step per feature.
const DefaultUnitSize = 256 << 20

// A unit is a run of input that is profiled into one profile of its own: the chunks of the unit are
// merged in order into a fresh profile, and the job's profile is the in-order merge of the
// non-empty unit profiles into the first one. The units are a pure function of the listing and the
// unit size, so a single node and any number of shards build the same merge tree and the same
// bytes (floating-point sums and KLL compactions depend on the tree, see docs/sharding.md).
//
// Units are formed in listing order: consecutive whole files are packed into one unit while their
// sizes add up to at most the unit size; a file larger than the unit size that can be read from
// the middle (uncompressed CSV, JSON Lines, capture files and Parquet) gets units of its own, one
// per unit-size byte range, holding the records (Parquet: the row groups) that start in it.
type unit struct {
	pieces []piece
	bytes  int64 // the input bytes the unit stands for (balances shards)
}

// piece is one file's part of a unit.
type piece struct {
	file source.File
	// ranged pieces hold the records whose first byte lies in [start, end) of the file (end 0: to
	// the end of the file); others hold the whole file.
	ranged     bool
	start, end int64
}

// plan is the units of one listing.
type plan struct {
	units []unit
	// listing identifies the listing and the unit size: every shard of one job computes the same,
	// and the merge refuses partials that disagree (docs/format/partial.md).
	listing [32]byte
	files   int
	bytes   int64
}

// splittable reports whether a file of the format can be read from the middle.
func splittable(f source.File, format Format) bool {
	if f.Compressed() {
		return false
	}
	switch format.Kind {
	case FormatCSV, FormatParquet, FormatCapture:
		return true
	case FormatJSON:
		return format.Lines
	}
	return false
}

// planUnits cuts a listing into units of at most unitSize bytes (see unit).
func planUnits(files []source.File, root string, format Format, unitSize int64) plan {
	h := sha256.New()
	var num [binary.MaxVarintLen64]byte
	put := func(x uint64) { h.Write(num[:binary.PutUvarint(num[:], x)]) }
	h.Write([]byte("driftwatch listing v1\x00"))
	put(uint64(unitSize))
	var p plan
	var cur unit
	flush := func() {
		if len(cur.pieces) > 0 {
			p.units = append(p.units, cur)
			cur = unit{}
		}
	}
	for _, f := range files {
		rel := strings.TrimPrefix(f.Path, root)
		put(uint64(len(rel)))
		h.Write([]byte(rel))
		put(uint64(f.Size))
		p.files++
		p.bytes += f.Size
		if f.Size > unitSize && splittable(f, format) {
			flush()
			for start := int64(0); start < f.Size; start += unitSize {
				end := start + unitSize
				if end >= f.Size {
					end = 0 // the last range runs to the end of the file
				}
				p.units = append(p.units, unit{pieces: []piece{{file: f, ranged: true, start: start, end: end}},
					bytes: min(unitSize, f.Size-start)})
			}
			continue
		}
		if cur.bytes > 0 && cur.bytes+f.Size > unitSize {
			flush()
		}
		cur.pieces = append(cur.pieces, piece{file: f})
		cur.bytes += f.Size
	}
	flush()
	copy(p.listing[:], h.Sum(nil))
	return p
}

// shardUnits returns the units shard i of n profiles, [first, end): unit u goes to the shard in
// whose n-th of the input bytes the unit's middle byte falls. The assignment never decreases with
// u, so a shard gets a contiguous run of units of about equal bytes, or an empty run (at the place
// its units would be) when there are fewer units than shards.
func (p *plan) shardUnits(i, n int) (first, end int) {
	first, end = len(p.units), len(p.units)
	var before uint64
	for u, un := range p.units {
		b := uint64(un.bytes)
		s := shardOf(2*before+b, uint64(n), 2*uint64(p.bytes))
		if s >= i && first == len(p.units) {
			first = u
		}
		if s > i {
			end = u
			break
		}
		before += b
	}
	return first, end
}

// shardOf returns ⌊mid·n / total⌋ capped at n−1, in 128-bit arithmetic (mid ≤ total).
func shardOf(mid, n, total uint64) int {
	if total == 0 {
		return 0
	}
	hi, lo := bits.Mul64(mid, n)
	q, _ := bits.Div64(hi, lo, total)
	return int(min(q, n-1))
}
