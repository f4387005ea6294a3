package stats

import (
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/unix"
)

// TestNumBlocksPageEdges puts the values at the very start and end of a page whose neighbours
// are not readable: numBlocks' loads reach 16 bytes before and after each value under a byte
// mask, and must not touch the bytes the mask leaves out (a fault would crash the test).
func TestNumBlocksPageEdges(t *testing.T) {
	if !useBlockKernels {
		t.Skip("numBlocks needs AVX-512 F/BW/DQ/VL, BITALG and BMI2, which this processor lacks")
	}
	ps := unix.Getpagesize()
	mem, err := unix.Mmap(-1, 0, 3*ps, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	defer unix.Munmap(mem)
	if err := unix.Mprotect(mem[:ps], unix.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mprotect(mem[2*ps:], unix.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	page := mem[ps : 2*ps]
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		vals := blockValues(r, 4)
		packed, offs := layout(vals, 0, 0)
		if len(packed) == 0 {
			continue
		}
		// At the start of the page, then at its end.
		n := copy(page, packed)
		checkNumBlocks(t, page[:n], 0, offs, vals)
		at := len(page) - len(packed)
		copy(page[at:], packed)
		checkNumBlocks(t, page[at:], 0, offs, vals)
	}
}
