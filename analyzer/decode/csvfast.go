package decode

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"
	"sync"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The plain-CSV fast path of ParseCSV. Most CSV chunks hold no quotes, no carriage returns and no
// blank lines; in them a field is everything between two separators (',' or '\n'), so parsing is
// finding the separators and moving the bytes between them into columns. parseFast does that in
// two passes, with almost no data-dependent branches:
//
//  1. separators: a word-at-a-time (SWAR) pass turns each 64-byte block into a 64-bit map of its
//     separators, and a trailing-zero count per separator appends its position to one array, in
//     row-major order. The chunk's shape is then checked at once: len(names) separators per
//     record, the last of each a line break.
//  2. columns: block of rows by block of rows (so the rows' bytes stay in cache), column by
//     column, each field is moved with two 8-byte copies (the rest of a longer one in a second
//     loop), its end offset written and its validity bit gathered into a byte every eight rows;
//     each column's buffer is sized exactly from the separator positions beforehand.
//
// Chunks that do not have that shape — quotes, carriage returns, blank lines, a record with the
// wrong number of fields, invalid UTF-8 — go to the general parser (csvParser.parse), which also
// reports their errors, word for word. Measured (BENCHMARKS.md, "CSV fast path"): the 1 GB
// baseline job takes about 8 % less CPU. TestParseFastMatchesGeneral, TestParseFastEdges and
// FuzzParseFast check that both paths build the same batches, buffer for buffer.

// fastCSV enables the fast path; tests turn it off to compare with the general parser.
var fastCSV = true

// sepsPool recycles the separator arrays of phase 1 (about 4 bytes per field: ~2.4 MB for a
// 4 MiB chunk of 7-byte fields).
var sepsPool = sync.Pool{New: func() any { return new([]int32) }}

// plainCSV reports whether d may take the fast path: no quote and no carriage return (IndexByte
// runs at memory speed), and offsets that fit Arrow's int32 offsets. Blank lines are found by
// parseFast itself.
func plainCSV(d []byte) bool {
	return len(d) > 0 && len(d) < math.MaxInt32-64 && bytes.IndexByte(d, '"') < 0 && bytes.IndexByte(d, '\r') < 0
}

// sepBits returns the map of the separators of the 8 bytes in w: bit i is set when byte i (in
// memory order) is ',' or '\n'. exactByte marks each matching byte's high bit; the multiplication
// gathers the eight high bits into the top byte (bit 8i+7 → bit 56+i: the partial products of
// distinct bits land on distinct positions, so nothing carries into the top byte).
func sepBits(w uint64) uint64 {
	m := (exactByte(w, ',') | exactByte(w, '\n')) >> 7
	return (m * 0x0102040810204080) >> 56
}

// blockSeps returns the separator map of the 64 bytes b[0:64] and the OR of its words (for the
// ASCII check).
func blockSeps(b *[64]byte) (m, or uint64) {
	for k := 0; k < 8; k++ {
		w := binary.LittleEndian.Uint64(b[8*k:])
		or |= w
		m |= sepBits(w) << (8 * k)
	}
	return m, or
}

// parseFast parses d, which plainCSV accepted, into a batch of len(names) string columns, or
// returns ok false when d needs the general parser (see above). lines is the number of line
// breaks in d.
func parseFast(d []byte, names []string, lines int, mem memory.Allocator) (rec arrow.RecordBatch, ok bool, err error) {
	n := len(d)
	ncol := len(names)
	// A blank line (which the general parser skips) adds one separator where a record has ncol:
	// with several columns the count check below catches it; with one it would pass as a null.
	if ncol == 1 && (d[0] == '\n' || bytes.Contains(d, []byte("\n\n"))) {
		return nil, false, nil
	}
	rows := lines
	if d[n-1] != '\n' {
		rows++ // the last record lacks its line break
	}
	nf := rows * ncol
	if nf >= math.MaxInt32 {
		return nil, false, nil
	}
	sp := sepsPool.Get().(*[]int32)
	defer sepsPool.Put(sp)
	if cap(*sp) < nf+1 {
		*sp = make([]int32, nf+1)
	}
	// seps[j+1] is the position of the separator that ends field j (row-major); seps[0] = -1, so
	// field j is d[seps[j]+1 : seps[j+1]].
	seps := (*sp)[:nf+1]
	seps[0] = -1

	// Phase 1: the separators.
	k := 1
	var ascii uint64
	var last [64]byte
	for base := 0; base < n; base += 64 {
		var m, or uint64
		if base+64 <= n {
			m, or = blockSeps((*[64]byte)(d[base : base+64]))
		} else {
			copy(last[:], d[base:]) // zero-padded: zero is not a separator
			m, or = blockSeps(&last)
		}
		ascii |= or
		if k+bits.OnesCount64(m) > len(seps) {
			return nil, false, nil // more fields than the records can hold
		}
		for ; m != 0; m &= m - 1 {
			seps[k] = int32(base + bits.TrailingZeros64(m))
			k++
		}
	}
	if d[n-1] != '\n' {
		if k == len(seps) {
			return nil, false, nil
		}
		seps[k] = int32(n) // the end of the data ends the last field
		k++
	}
	if k != len(seps) {
		return nil, false, nil // fewer fields than rows × columns
	}
	// The last separator of each of the first lines records is a line break; as d holds exactly
	// lines line breaks, none is inside a record, so every record has ncol fields.
	for r := 1; r <= lines; r++ {
		if d[seps[r*ncol]] != '\n' {
			return nil, false, nil
		}
	}
	if ascii&0x8080808080808080 != 0 && !utf8.Valid(d) {
		return nil, false, nil
	}

	// Each column's bytes, to size its buffer exactly: 16 bytes of slack let every field be
	// moved with two 8-byte stores.
	var small [64]int
	size := small[:0]
	if ncol > len(small) {
		size = make([]int, ncol)
	} else {
		size = small[:ncol]
	}
	for j := 0; j < nf; {
		for c := range size {
			size[c] += int(seps[j+1] - seps[j] - 1)
			j++
		}
	}
	cols := make([]*strCol, ncol)
	for c := range cols {
		cols[c] = newStrCol(mem, rows, size[c]+16)
	}
	defer releaseCols(cols)

	// Phase 2: the columns, in blocks of about 64 KiB of rows but at least 64 rows (on wide data
	// a column's call must cover enough rows to pay for itself), a multiple of 8 so that
	// validity bytes are whole. Rows whose fields all start at least 16 bytes before the end of
	// d are safe for 8-byte loads.
	block := max(64, (64<<10)/max(1, n/rows)) &^ 7
	safe := rows
	for safe > 0 && int(seps[safe*ncol-1])+1+16 > n {
		safe--
	}
	for r0 := 0; r0 < rows; r0 += block {
		r1 := min(r0+block, rows)
		for c, col := range cols {
			fillColumn(col, d, seps, ncol, c, r0, min(max(safe, r0), r1), r1)
		}
	}
	rec, err = buildBatch(names, cols, rows)
	return rec, true, err
}

// fillColumn appends rows r0 … r1-1 of column c to col, which holds rows 0 … r0-1 (r0 a multiple
// of 8) and has room for all of them plus 16 bytes; rows before rs are safe (see parseFast).
//
// The loop over safe rows calls nothing, so that the compiler keeps its state in registers: a
// field longer than 16 bytes gets only its first 16 there, and the rest in a second loop over the
// block, which runs only if there was one.
func fillColumn(col *strCol, d []byte, seps []int32, ncol, c, r0, rs, r1 int) {
	data, offs, valid := col.data, col.offs, col.valid
	dn := col.dn
	j := r0*ncol + c
	long := false
	var vb byte // validity bits of the current byte
	for r := r0; r < rs; r++ {
		s, e := int(seps[j])+1, int(seps[j+1])
		j += ncol
		l := e - s
		binary.LittleEndian.PutUint64(data[dn:], binary.LittleEndian.Uint64(d[s:]))
		binary.LittleEndian.PutUint64(data[dn+8:], binary.LittleEndian.Uint64(d[s+8:]))
		long = long || l > 16
		dn += l
		offs[r+1] = int32(dn)
		vb |= b2u8(l != 0) << (r & 7)
		if r&7 == 7 {
			valid[r>>3] = vb
			vb = 0
		}
	}
	if long {
		j := r0*ncol + c
		for r := r0; r < rs; r++ {
			s, e := int(seps[j])+1, int(seps[j+1])
			j += ncol
			if e-s > 16 {
				copy(data[offs[r]+16:offs[r+1]], d[s+16:e])
			}
		}
	}
	j = rs*ncol + c
	for r := rs; r < r1; r++ {
		s, e := int(seps[j])+1, int(seps[j+1])
		j += ncol
		dn += copy(data[dn:], d[s:e])
		offs[r+1] = int32(dn)
		vb |= b2u8(e != s) << (r & 7)
		if r&7 == 7 {
			valid[r>>3] = vb
			vb = 0
		}
	}
	if r1&7 != 0 {
		valid[r1>>3] = vb
	}
	// Nulls are the rows without their validity bit.
	set := 0
	for _, b := range valid[r0>>3 : (r1+7)>>3] {
		set += bits.OnesCount8(b)
	}
	col.dn, col.n = dn, r1
	col.nulls += r1 - r0 - set
}

// b2u8 is 1 for true, 0 for false (compiled to a SETcc, no branch).
func b2u8(b bool) byte {
	var v byte
	if b {
		v = 1
	}
	return v
}
