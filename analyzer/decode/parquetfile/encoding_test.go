package parquetfile

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
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
