package report

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/fstest"
	"testing/iotest"
)

// TestScriptEndIn: reading piece by piece finds "</script" exactly when containsScriptEnd finds it
// in the whole text, wherever the pieces split it, with readers that return short reads.
func TestScriptEndIn(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	const alphabet = "</scriptSCRIPT x"
	for i := range 3000 {
		b := make([]byte, r.IntN(200))
		for j := range b {
			b[j] = alphabet[r.IntN(len(alphabet))]
		}
		if i%3 == 0 && len(b) > 8 { // plant one, often across a piece boundary
			at := r.IntN(len(b) - 8)
			copy(b[at:], []string{"</script", "</SCRIPT", "</sCrIpT"}[r.IntN(3)])
		}
		want := containsScriptEnd(b)
		for _, size := range []int{16, 17, 23, 64, 1024} {
			for _, rd := range []io.Reader{bytes.NewReader(b), iotest.OneByteReader(bytes.NewReader(b)), iotest.HalfReader(bytes.NewReader(b))} {
				got, err := scriptEndIn(rd, make([]byte, size))
				if err != nil || got != want {
					t.Fatalf("%q with %d-byte pieces: %v, %v; want %v", b, size, got, err, want)
				}
			}
		}
	}
	boom := errors.New("boom")
	if _, err := scriptEndIn(iotest.ErrReader(boom), make([]byte, 16)); !errors.Is(err, boom) {
		t.Fatalf("read error: %v, want boom", err)
	}
}

// TestRenderStreamsEcharts: the library is written into the page as it is in the assets, and a
// library holding "</script" is refused before anything is written.
func TestRenderStreamsEcharts(t *testing.T) {
	saved := assets
	t.Cleanup(func() { assets = saved })
	m, err := Build(Input{Current: []byte(`{"dataset": {"item_count": 1}, "features": []}`)})
	if err != nil {
		t.Fatal(err)
	}
	lib := "/*lib*/" + strings.Repeat("var echarts = {};\n", 20000) + "/*end*/" // 360 kB: several pieces
	assets = fstest.MapFS{echartsPath: {Data: []byte(lib)}}
	var page bytes.Buffer
	if err := Render(&page, m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), "<script>"+lib+"</script>") {
		t.Fatal("the page does not hold the library whole inside its script element")
	}
	assets = fstest.MapFS{echartsPath: {Data: []byte(strings.Repeat("x", 40000) + "</Script>")}}
	page.Reset()
	if err := Render(&page, m); err == nil || !strings.Contains(err.Error(), "contains </script") || page.Len() != 0 {
		t.Fatalf("library with </Script>: err %v, %d bytes written; want the error and nothing written", err, page.Len())
	}
}
