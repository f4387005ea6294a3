package decode

import (
	"bytes"
	"math"
	"math/bits"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The plain-CSV fast path of ParseCSV. Most CSV chunks hold no quotes, no carriage returns and no
// blank lines; in them a field is everything between two separators (',' or '\n'), so parsing is
// finding the separators and moving the bytes between them into columns. parseFast does that in
// two passes, with almost no data-dependent branches:
//
//  1. separators: the positions of the commas and line breaks, in row-major order, in one array.
//     With AVX-512 one kernel (sepsAVX512) compares each 64-byte block with both and packs the
//     positions of the matches with VPCOMPRESSD, sixteen bytes' worth per instruction; otherwise
//     byteMasks (AVX2, or word-at-a-time without it) turns each block into 64-bit maps and a
//     trailing-zero count per separator appends its position. The chunk's shape is then checked
//     at once: len(names) separators per record, the last of each a line break.
//  2. columns: block of rows by block of rows (so the rows' bytes stay in cache), column by
//     column, each field's first 16 bytes are moved with one 16-byte load and store and its end
//     offset written (fillColumn); validity bits and the rest of longer fields are then derived
//     from the offsets (validity); each column's buffer is sized exactly from the separator
//     positions beforehand.
//
// Chunks that do not have that shape — quotes, carriage returns, blank lines, a record with the
// wrong number of fields, invalid UTF-8 — go to the general parser (csvParser.parse), which also
// reports their errors, word for word. Measured (BENCHMARKS.md, "CSV fast path" and "Byte
// bitmaps with AVX2"): the 1 GB baseline job takes about 7.5 % less CPU, and 11 % less again
// since the bitmaps come from AVX2. TestParseFastMatchesGeneral, TestParseFastEdges and
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
	return fastSize(d) && bytes.IndexByte(d, '"') < 0 && bytes.IndexByte(d, '\r') < 0
}

// fastSize reports whether d is not empty and its offsets fit Arrow's int32 offsets.
func fastSize(d []byte) bool { return len(d) > 0 && len(d) < math.MaxInt32-64 }

// plainChunk is plainCSV(c.Data), known without a search when the splitter saw the whole chunk
// in bulk without a carriage return (Chunk.plain).
func plainChunk(c *Chunk) bool {
	if c.plain {
		return fastSize(c.Data)
	}
	return plainCSV(c.Data)
}

// parseFast parses d, which plainCSV accepted, into a batch of len(names) string columns, or
// returns ok false when d needs the general parser (see above). lines is the number of line
// breaks in d.
func parseFast(d []byte, names []string, lines int, mem memory.Allocator) (rec arrow.RecordBatch, ok bool, err error) {
	n := len(d)
	ncol := len(names)
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

	// Phase 1: the separators. With AVX-512 one kernel finds and packs them for the whole blocks
	// while seps has 64 entries of room; the bitmaps and the word loop do the rest.
	k := 1
	base := 0
	high := false
	checked := 1 // the kernel checked the records of seps[1:checked] (below)
	if useAVX512 && len(seps) > 64 && ncol <= maxKernelCols {
		expect, mods := recordTables(ncol)
		var done int
		var h, bad uint64
		k, done, h, bad = sepsAVX512(unsafe.SliceData(d), n/64, unsafe.SliceData(seps), k, len(seps)-64,
			',', '\n', unsafe.SliceData(expect), unsafe.SliceData(mods), 1%ncol)
		if bad != 0 {
			return nil, false, nil // a line break that does not end a record of ncol fields
		}
		base, high, checked = 64*done, h != 0, k
	}
	sc := newMaskScanner(d[base:], ',', '\n')
	for comma, lf := sc.next(); comma != nil; comma, lf = sc.next() {
		for i, m := range comma {
			m |= lf[i]
			if k+bits.OnesCount64(m) > len(seps) {
				return nil, false, nil // more fields than the records can hold
			}
			for ; m != 0; m &= m - 1 {
				seps[k] = int32(base + bits.TrailingZeros64(m))
				k++
			}
			base += 64
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
	// A blank line (which the general parser skips) adds one separator where a record has ncol:
	// with several columns the count check above catches it; with one it would pass as a null.
	// Every separator of a one-column record is then a line break, so a blank line is two
	// adjacent ones (or one at the start). This replaced a bytes.Contains(d, "\n\n"), a call
	// per line, which took a quarter of a one-column job (BENCHMARKS.md, tenth session).
	if ncol == 1 && emptyField(seps) {
		return nil, false, nil
	}
	// The last separator of each of the first lines records is a line break; as d holds exactly
	// lines line breaks, none is inside a record, so every record has ncol fields.
	for r := max(1, (checked+ncol-1)/ncol); r <= lines; r++ {
		if d[seps[r*ncol]] != '\n' {
			return nil, false, nil
		}
	}
	if (high || sc.nonASCII) && !utf8.Valid(d) {
		return nil, false, nil
	}

	// Each column's bytes, to size its buffer exactly, from the column sums of the separator
	// positions (columnSums): field (r, c) spans seps[r·ncol+c]+1 … seps[r·ncol+c+1], so column c
	// holds B[c+1] - B[c] - rows bytes, where B[m] sums seps[r·ncol+m] over the rows and B[ncol]
	// = B[0] - seps[0] + seps[nf]. 16 bytes of slack let every field be moved with one 16-byte
	// store.
	sums := make([]int64, ncol+1)
	columnSums(sums[:ncol], seps[:nf])
	sums[ncol] = sums[0] - int64(seps[0]) + int64(seps[nf])
	size := make([]int, ncol)
	for c := range size {
		size[c] = int(sums[c+1]-sums[c]) - rows + 16
	}
	cols := newStrCols(mem, rows, size)
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
// The loop over safe rows is the parser's innermost, and does only this: read a field's bounds,
// move its first 16 bytes with one 16-byte load and store, and write its end offset, all without
// bounds checks. Checked slicing cost ~40 instructions per field, and anything more in the loop
// (validity bits, the long-field test) made the compiler keep its state on the stack
// (BENCHMARKS.md, "CSV fast path"). Every access stays in bounds: parseFast sized seps for rows ×
// ncol fields and offs for every row; the field starts at least 16 bytes before the end of d (a
// safe row); the column's buffer has 16 bytes of slack past its exact size. The invariants build
// checks all of it, and the race detector's checkptr the pointers. Validity bits and the rest of
// fields longer than 16 bytes are then derived from the offsets (validity).
func fillColumn(col *strCol, d []byte, seps []int32, ncol, c, r0, rs, r1 int) {
	data, offs := col.data, col.offs
	dn := col.dn
	j := r0*ncol + c
	if invariants && rs > r0 && ((rs-1)*ncol+c+1 >= len(seps) || rs >= len(offs)) {
		panic("decode: fast CSV row out of bounds")
	}
	if rs > r0 {
		if invariants {
			at := dn
			for k := j; k < j+(rs-r0)*ncol; k += ncol {
				s, e := int(seps[k])+1, int(seps[k+1])
				if s+16 > len(d) || at+16 > len(data) {
					panic("decode: fast CSV copy out of bounds")
				}
				at += e - s
			}
		}
		dn = fillRows(unsafe.SliceData(d), unsafe.SliceData(data), &seps[j], &offs[r0+1], ncol, rs-r0, dn)
		j += (rs - r0) * ncol
	}
	for r := rs; r < r1; r++ {
		s, e := int(seps[j])+1, int(seps[j+1])
		j += ncol
		dn += copy(data[dn:], d[s:e])
		offs[r+1] = int32(dn)
	}
	col.dn, col.n = dn, r1
	if validity(col, r0, r1) > 16 {
		// The rest of the long fields among the safe rows (the others were copied whole).
		j := r0*ncol + c
		for r := r0; r < rs; r++ {
			s, e := int(seps[j])+1, int(seps[j+1])
			j += ncol
			if e-s > 16 {
				copy(data[offs[r]+16:offs[r+1]], d[s+16:e])
			}
		}
	}
}

// fillSafe is fillColumn's loop over m safe rows: the field between seps[0] and seps[1] (of
// the first row; a row's fields are ncol entries apart) goes to data at dn, its end offset to
// offs[0], and so on. It takes pointers and keeps few values live: inside fillColumn, the loop's
// state went to the stack (perf annotate: three stack loads per field).
//
//go:noinline
func fillSafe(src, data *byte, seps, offs *int32, ncol, m, dn int) int {
	// Addresses are computed from the bases, never stepped past the last field: checkptr (the
	// race detector's builds) rejects a pointer one past an allocation.
	s0, d0 := unsafe.Pointer(src), unsafe.Pointer(data)
	sb, ob := unsafe.Pointer(seps), unsafe.Pointer(offs)
	for r, j := 0, 0; r < m; r, j = r+1, j+ncol {
		s := int(*(*int32)(unsafe.Add(sb, 4*j))) + 1 // seps[j] + 1
		e := int(*(*int32)(unsafe.Add(sb, 4*j+4)))   // seps[j+1]
		*(*[2]uint64)(unsafe.Add(d0, dn)) = *(*[2]uint64)(unsafe.Add(s0, s))
		dn += e - s
		*(*int32)(unsafe.Add(ob, 4*r)) = int32(dn)
	}
	return dn
}

// validity sets the validity bits of rows r0 … r1-1 of col (r0 a multiple of 8) from their
// offsets — a row is null when its value is empty — counts the nulls, and returns the longest
// value's length. Eight rows make a byte: with AVX2 one step of validityAVX2, else unrolled.
func validity(col *strCol, r0, r1 int) (longest int32) {
	offs, valid := col.offs, col.valid
	set := 0
	r := r0
	if blocks := (r1 - r0) / 8; useAVX2 && blocks > 0 {
		_ = offs[r0+8*blocks]         // the vector loop reads the offsets up to here
		_ = valid[(r0+8*blocks)>>3-1] // and writes the validity bytes up to here
		set, longest = validityAVX2(&offs[r0], &valid[r0>>3], blocks)
		r += 8 * blocks
	}
	for ; r+8 <= r1; r += 8 {
		o := (*[9]int32)(offs[r : r+9])
		l0, l1, l2, l3 := o[1]-o[0], o[2]-o[1], o[3]-o[2], o[4]-o[3]
		l4, l5, l6, l7 := o[5]-o[4], o[6]-o[5], o[7]-o[6], o[8]-o[7]
		b := b2u8(l0 != 0) | b2u8(l1 != 0)<<1 | b2u8(l2 != 0)<<2 | b2u8(l3 != 0)<<3 |
			b2u8(l4 != 0)<<4 | b2u8(l5 != 0)<<5 | b2u8(l6 != 0)<<6 | b2u8(l7 != 0)<<7
		longest = max(longest, l0, l1, l2, l3, l4, l5, l6, l7)
		valid[r>>3] = b
		set += bits.OnesCount8(b)
	}
	if r < r1 {
		var b byte
		for k := 0; r+k < r1; k++ {
			l := offs[r+k+1] - offs[r+k]
			longest = max(longest, l)
			b |= b2u8(l != 0) << k
		}
		valid[r>>3] = b
		set += bits.OnesCount8(b)
	}
	col.nulls += r1 - r0 - set
	return longest
}

// b2u8 is 1 for true, 0 for false (compiled to a SETcc, no branch).
func b2u8(b bool) byte {
	var v byte
	if b {
		v = 1
	}
	return v
}

// maxKernelCols is the widest row for which parseFast uses sepsAVX512, whose record check takes
// tables of 12 bytes per column (recordTables).
const maxKernelCols = 1 << 12

// recordTables returns sepsAVX512's record-check tables for rows of ncol fields: expect[p] has
// bit i set when (p + i) mod ncol = 0 (p < ncol, i < 64), and mods[x] = x mod ncol (x < ncol +
// 64). Built per chunk: a few thousand entries at most, against megabytes of input.
func recordTables(ncol int) (expect []uint64, mods []int32) {
	expect = make([]uint64, ncol)
	for p := range expect {
		for i := (ncol - p) % ncol; i < 64; i += ncol {
			expect[p] |= 1 << i
		}
	}
	mods = make([]int32, ncol+64)
	for x := range mods {
		mods[x] = int32(x % ncol)
	}
	return expect, mods
}

// maxSumPeriod bounds the accumulators of colSumsAVX512 (16 int64 per step of the period: 64 KiB).
const maxSumPeriod = 512

// columnSums sets sums[c] to the sum of m[r·ncol+c] over the rows r of m, a row-major matrix of
// ncol = len(sums) columns. With AVX-512 the whole sixteens go through colSumsAVX512 with a
// period of ncol / gcd(ncol, 16) steps (16·period is a multiple of ncol, so a lane of a group
// always meets the same column), and the groups' lanes are folded into their columns after;
// otherwise, and for the values after the last sixteen, one addition per value.
func columnSums(sums []int64, m []int32) {
	ncol := len(sums)
	clear(sums)
	done := 0
	if period := ncol / gcd(ncol, 16); useAVX512 && period <= maxSumPeriod && len(m) >= 16 {
		var small [16 * 16]int64
		var acc []int64
		if 16*period <= len(small) {
			acc = small[:16*period]
		} else {
			acc = make([]int64, 16*period)
		}
		vecs := len(m) / 16
		colSumsAVX512(unsafe.SliceData(m), vecs, unsafe.SliceData(acc), period)
		c := 0
		for _, v := range acc {
			sums[c] += v
			if c++; c == ncol {
				c = 0
			}
		}
		done = 16 * vecs
	}
	// The rest of the row the vector loop stopped in, then whole rows over slices of the row, so
	// that the inner loop has no bounds checks.
	for c := done % ncol; c != 0 && done < len(m); c = (c + 1) % ncol {
		sums[c] += int64(m[done])
		done++
	}
	for j := done; j+ncol <= len(m); j += ncol {
		row := m[j : j+ncol]
		_ = row[len(sums)-1]
		for c := range sums {
			sums[c] += int64(row[c])
		}
	}
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// emptyField reports whether two adjacent entries of seps (ascending) differ by one: a field of
// no bytes.
func emptyField(seps []int32) bool {
	gap := int32(math.MaxInt32)
	for i := 1; i < len(seps); i++ {
		gap = min(gap, seps[i]-seps[i-1])
	}
	return gap == 1
}
