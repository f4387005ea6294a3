package parquetfile

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestPlainFixedWidth decodes PLAIN INT32, INT64, FLOAT and DOUBLE pages in two reads each, with
// the block copy of a little-endian machine and with the value-by-value conversion any other
// machine takes, against binary.LittleEndian.
func TestPlainFixedWidth(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	data := make([]byte, 8*1000)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	defer func(was bool) { nativeLE = was }(nativeLE)
	for _, native := range []bool{nativeLE, false} { // the machine's own order, then the conversion
		nativeLE = native
		for _, tc := range []struct {
			t    Type
			size int
		}{{Int32, 4}, {Int64, 8}, {Float, 4}, {Double, 8}} {
			n := len(data) / tc.size
			p := plainDecoder{t: tc.t, data: data}
			var v Values
			if err := p.decode(&v, 300); err != nil {
				t.Fatal(err)
			}
			if err := p.decode(&v, n-300); err != nil {
				t.Fatal(err)
			}
			for i := range n {
				w := data[i*tc.size:]
				var ok bool
				switch tc.t {
				case Int32:
					ok = v.Int32[i] == int32(binary.LittleEndian.Uint32(w))
				case Int64:
					ok = v.Int64[i] == int64(binary.LittleEndian.Uint64(w))
				case Float:
					ok = math.Float32bits(v.Float[i]) == binary.LittleEndian.Uint32(w)
				case Double:
					ok = math.Float64bits(v.Double[i]) == binary.LittleEndian.Uint64(w)
				}
				if !ok {
					t.Fatalf("native order %v, type %v: value %d differs", nativeLE, tc.t, i)
				}
			}
			if p.decode(&v, 1) == nil {
				t.Errorf("type %v: read past the page without an error", tc.t)
			}
		}
	}
}

// TestByteArrays decodes PLAIN BYTE_ARRAY pages (in several reads, into a batch already holding
// values) and dictionary-indexed ones against the values written, with lengths from 0 to 40 so
// that values take putBytes' 16-byte move, values end within 16 bytes of the page or the
// dictionary (the copy instead), and the batch's bytes grow between reads. A PLAIN BOOLEAN page
// read in parts is checked bit by bit.
func TestByteArrays(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	vals := make([]string, 700)
	var page []byte
	for i := range vals {
		b := make([]byte, r.IntN(41))
		for j := range b {
			b[j] = byte('a' + r.IntN(26))
		}
		vals[i] = string(b)
		page = binary.LittleEndian.AppendUint32(page, uint32(len(b)))
		page = append(page, b...)
	}
	check := func(name string, v *Values, want []string) {
		t.Helper()
		if v.Len != len(want) || len(v.Offsets) != len(want)+1 {
			t.Fatalf("%s: %d values, %d offsets, want %d", name, v.Len, len(v.Offsets), len(want))
		}
		for i, w := range want {
			if got := string(v.Bytes[v.Offsets[i]:v.Offsets[i+1]]); got != w {
				t.Fatalf("%s: value %d = %q, want %q", name, i, got, w)
			}
		}
		if int(v.Offsets[len(want)]) != len(v.Bytes) {
			t.Fatalf("%s: %d bytes, offsets end at %d", name, len(v.Bytes), v.Offsets[len(want)])
		}
	}
	// Read into batches with no room, every room from 1 to 80 bytes (the bounds of plainShort's
	// count and of the checked path's growth) and room for the whole page.
	rooms := []int{0, len(page) + 16}
	for r := 1; r <= 80; r++ {
		rooms = append(rooms, r)
	}
	for _, room := range rooms {
		p := plainDecoder{t: ByteArray, data: page}
		v := Values{Bytes: make([]byte, 0, room)}
		for _, n := range []int{1, 99, 300, 300} {
			if err := p.decode(&v, n); err != nil {
				t.Fatal(err)
			}
		}
		check("plain", &v, vals)
		if p.decode(&v, 1) == nil {
			t.Error("read past the page without an error")
		}
	}
	// A page cut inside a value, or whose last length claims more bytes than the page holds
	// (long and short values): an error, and the batch keeps the values it had.
	for _, tc := range []struct {
		name string
		page []byte
	}{
		{"cut", page[:len(page)-3]},
		{"long length", binary.LittleEndian.AppendUint32(slices.Clip(page), 1<<20)},
		{"short length", append(binary.LittleEndian.AppendUint32(slices.Clip(page), 9), "abc"...)},
		{"cut length", append(slices.Clip(page), 1, 0)},
	} {
		for _, room := range []int{0, len(tc.page) + 16} {
			bad := plainDecoder{t: ByteArray, data: tc.page}
			bv := Values{Bytes: make([]byte, 0, room)}
			if err := bad.decode(&bv, 100); err != nil {
				t.Fatal(err)
			}
			before, pos := slices.Clone(bv.Bytes), bad.pos
			if err := bad.decode(&bv, len(vals)+1-100); err == nil {
				t.Errorf("%s, room %d: no error", tc.name, room)
			}
			check(tc.name, &bv, vals[:100])
			if !slices.Equal(bv.Bytes, before) || bad.pos != pos {
				t.Errorf("%s, room %d: the batch's bytes or the page position changed", tc.name, room)
			}
			// The same error on an empty batch leaves it empty, offsets included.
			fresh := plainDecoder{t: ByteArray, data: tc.page}
			var ev Values
			if err := fresh.decode(&ev, len(vals)+1); err == nil || len(ev.Offsets) != 0 || ev.Len != 0 || fresh.pos != 0 {
				t.Errorf("%s: an empty batch after the error: %d offsets, %d values, position %d (error %v)", tc.name, len(ev.Offsets), ev.Len, fresh.pos, err)
			}
		}
	}

	// One long value, then short ones: the batch grows for what the page can still hold, not
	// for the long value's length times the values to come.
	var skew []byte
	skew = binary.LittleEndian.AppendUint32(skew, 1<<16)
	skew = append(skew, make([]byte, 1<<16)...)
	for range 999 {
		skew = append(binary.LittleEndian.AppendUint32(skew, 1), 'x')
	}
	var sv Values
	if err := (&plainDecoder{t: ByteArray, data: skew}).decode(&sv, 1000); err != nil {
		t.Fatal(err)
	}
	if sv.Len != 1000 || cap(sv.Bytes) > len(skew)+16 {
		t.Errorf("a long value first: %d values, %d bytes reserved for a page of %d", sv.Len, cap(sv.Bytes), len(skew))
	}
	if err := (&plainDecoder{t: ByteArray}).decode(&sv, 0); err != nil {
		t.Errorf("no values from an empty page: %v", err)
	}

	dict := &Values{}
	if err := (&plainDecoder{t: ByteArray, data: page}).decode(dict, len(vals)); err != nil {
		t.Fatal(err)
	}
	d := dictDecoder{t: ByteArray, dict: dict}
	var dv Values
	var want []string
	for range 5 {
		ix := make([]int32, 1+r.IntN(400))
		for i := range ix {
			ix[i] = int32(r.IntN(len(vals)))
			if r.IntN(10) == 0 {
				ix[i] = int32(len(vals) - 1 - r.IntN(3)) // the dictionary's last values
			}
			want = append(want, vals[ix[i]])
		}
		if err := d.decodeBytes(&dv, ix); err != nil {
			t.Fatal(err)
		}
	}
	check("dictionary", &dv, want)

	bits := make([]byte, 40)
	for i := range bits {
		bits[i] = byte(r.Uint32())
	}
	bp := plainDecoder{t: Boolean, data: bits}
	var bv Values
	for _, n := range []int{3, 13, 7, 8, 1, 284} { // starts inside bytes and on them
		if err := bp.decode(&bv, n); err != nil {
			t.Fatal(err)
		}
	}
	for i, b := range bv.Bool {
		if b != (bits[i/8]>>(i%8)&1 == 1) {
			t.Fatalf("boolean %d = %v", i, b)
		}
	}
	if len(bv.Bool) != 316 || bp.decode(&bv, 5) == nil {
		t.Errorf("%d booleans, or read past the page without an error", len(bv.Bool))
	}
}

// TestDictionaryIndicesKept: with keep, a dictionary page's BYTE_ARRAY values are appended as
// checked indices while the Values hold no other values, Expand turns them into values, and a
// Values holding other values gets values.
func TestDictionaryIndicesKept(t *testing.T) {
	dict := &Values{Offsets: []int32{0, 1, 3, 6}, Bytes: []byte("abbccc"), Len: 3}
	page := func(ix ...int32) []byte { return append([]byte{2}, naiveHybrid(ix, 2)...) }
	var scratch []int32
	d, err := newValueDecoder(RLEDictionary, ByteArray, 0, page(0, 1, 1, 2, 0, 3, 0, 0), dict, &scratch, goAlloc{}, true)
	if err != nil {
		t.Fatal(err)
	}
	var v Values
	if err := d.decode(&v, 5); err != nil {
		t.Fatal(err)
	}
	if v.Dict != dict || !slices.Equal(v.Index, []int32{0, 1, 1, 2, 0}) || v.Len != 5 || len(v.Bytes) != 0 {
		t.Fatalf("kept %v (dict %p, len %d), want indices 0 1 1 2 0 of %p", v.Index, v.Dict, v.Len, dict)
	}
	if err := d.decode(&v, 1); err == nil || !strings.Contains(err.Error(), "dictionary index 3 out of range") {
		t.Fatalf("index 3 of a dictionary of 3: err %v", err)
	}
	if v.Len != 5 || len(v.Index) != 5 {
		t.Fatalf("a failed decode left %d values, %d indices", v.Len, len(v.Index))
	}
	if err := v.Expand(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := range v.Len {
		got = append(got, string(v.Bytes[v.Offsets[i]:v.Offsets[i+1]]))
	}
	if want := []string{"a", "bb", "bb", "ccc", "a"}; v.Dict != nil || !slices.Equal(got, want) {
		t.Fatalf("expanded to %q (dict %p), want %q", got, v.Dict, want)
	}
	// Values that already hold values get values, not indices.
	d, err = newValueDecoder(RLEDictionary, ByteArray, 0, page(2, 2, 0), dict, &scratch, goAlloc{}, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.decode(&v, 3); err != nil {
		t.Fatal(err)
	}
	if v.Dict != nil || v.Len != 8 || string(v.Bytes) != "abbbbccca"+"cccccca" {
		t.Fatalf("appended to values: dict %p, %d values, bytes %q", v.Dict, v.Len, v.Bytes)
	}
}
