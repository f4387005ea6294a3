package decode

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestFillRows: fillRows (the assembly on amd64) and fillSafe move the same bytes and write the
// same offsets, for every row count (the two-row loop and its odd tail) and row width.
func TestFillRows(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for ncol := 1; ncol <= 4; ncol++ {
		for m := 0; m <= 9; m++ {
			for c := 0; c < ncol; c++ {
				// m rows of ncol fields of 0–16 bytes (fillSafe moves 16; fillColumn the rest of longer ones), then 16 bytes of padding: every field
				// starts at least 16 bytes before the end, as fillSafe requires.
				var d bytes.Buffer
				seps := []int32{-1}
				for range m {
					for k := range ncol {
						for range r.IntN(17) {
							d.WriteByte(byte('a' + r.IntN(26)))
						}
						if k == ncol-1 {
							d.WriteByte('\n')
						} else {
							d.WriteByte(',')
						}
						seps = append(seps, int32(d.Len()-1))
					}
				}
				d.Write(make([]byte, 16))
				src := d.Bytes()
				run := func(asm bool) ([]byte, []int32, int) {
					defer func(was bool) { useFillAsm = was }(useFillAsm)
					useFillAsm = asm
					data := make([]byte, d.Len()+16)
					offs := make([]int32, m+1)
					const dn0 = 3 // a column that already holds bytes
					var sp *int32
					if m > 0 {
						sp = &seps[c]
					}
					dn := fillRows(unsafe.SliceData(src), unsafe.SliceData(data), sp, unsafe.SliceData(offs), ncol, m, dn0)
					return data[:dn], offs, dn
				}
				wd, wo, wn := run(false)
				gd, goffs, gn := run(useFillAsm)
				name := fmt.Sprintf("ncol %d, m %d, column %d", ncol, m, c)
				if gn != wn || !bytes.Equal(gd, wd) || fmt.Sprint(goffs) != fmt.Sprint(wo) {
					t.Fatalf("%s: fillRows gave %d bytes %q offsets %v; fillSafe %d bytes %q offsets %v", name, gn, gd, goffs, wn, wd, wo)
				}
				// And fillSafe itself: the column's values, in order.
				var want bytes.Buffer
				for row := range m {
					j := row*ncol + c
					want.Write(src[seps[j]+1 : seps[j+1]])
				}
				if !bytes.Equal(wd[3:], want.Bytes()) {
					t.Fatalf("%s: fillSafe moved %q, want %q", name, wd[3:], want.Bytes())
				}
			}
		}
	}
}
