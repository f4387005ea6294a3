package jackson

import (
	"bufio"
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// javaPrinter prints Double.toString for each line of hexadecimal IEEE 754 bits on stdin.
const javaPrinter = `
public class DoublePrinter {
    public static void main(String[] args) throws Exception {
        var in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
        var out = new StringBuilder();
        for (String line; (line = in.readLine()) != null; ) {
            out.append(Double.toString(Double.longBitsToDouble(Long.parseUnsignedLong(line, 16)))).append('\n');
        }
        System.out.print(out);
    }
}
`

// TestFormatDoubleMatchesJava runs a real JDK (19 or later, the Double.toString of
// JDK-4511638) on random and boundary doubles and compares every string. It is skipped when
// no such JDK is installed; set JAVA_HOME to choose one.
//
//	go test ./analyzer/jackson/ -run TestFormatDoubleMatchesJava -v
func TestFormatDoubleMatchesJava(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a JVM")
	}
	java := findJava(t, 19)
	if java == "" {
		t.Skip("no JDK 19+ found (JAVA_HOME, PATH, /usr/lib/jvm): skipping the differential test against Java")
	}
	src := filepath.Join(t.TempDir(), "DoublePrinter.java")
	if err := os.WriteFile(src, []byte(javaPrinter), 0o644); err != nil {
		t.Fatal(err)
	}
	var xs []uint64
	for k := range uint64(1000) {
		xs = append(xs, k, k|1<<63, math.Float64bits(math.MaxFloat64)-k, 0x7ff0000000000000+k)
	}
	for e := -325; e <= 309; e++ {
		x, _ := strconv.ParseFloat("1e"+strconv.Itoa(e), 64)
		b := math.Float64bits(x)
		xs = append(xs, b-1, b, b+1)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	for range 200000 {
		xs = append(xs, rng.Uint64())
	}
	for range 50000 { // doubles of everyday magnitude, where statistics live
		xs = append(xs, math.Float64bits(math.Ldexp(rng.Float64(), rng.IntN(80)-40)))
	}
	var in bytes.Buffer
	for _, b := range xs {
		in.WriteString(strconv.FormatUint(b, 16))
		in.WriteByte('\n')
	}
	cmd := exec.Command(java, src)
	cmd.Stdin = &in
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v", java, src, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	bad, i := 0, 0
	for ; sc.Scan(); i++ {
		x := math.Float64frombits(xs[i])
		if got := FormatDouble(x); got != sc.Text() {
			t.Errorf("FormatDouble(%#x) = %q, Java says %q", xs[i], got, sc.Text())
			if bad++; bad > 20 {
				t.FailNow()
			}
		}
	}
	if i != len(xs) {
		t.Fatalf("Java printed %d lines for %d inputs", i, len(xs))
	}
	t.Logf("%d doubles agree with %s", len(xs), java)
}

var javaVersionRE = regexp.MustCompile(`version "(1\.)?(\d+)`)

// findJava returns a java launcher of at least the given major version, or "".
func findJava(t *testing.T, minMajor int) string {
	var cands []string
	if h := os.Getenv("JAVA_HOME"); h != "" {
		cands = append(cands, filepath.Join(h, "bin", "java"))
	}
	if p, err := exec.LookPath("java"); err == nil {
		cands = append(cands, p)
	}
	more, _ := filepath.Glob("/usr/lib/jvm/*/bin/java")
	cands = append(cands, more...)
	for _, c := range cands {
		out, err := exec.Command(c, "-version").CombinedOutput()
		if err != nil {
			continue
		}
		m := javaVersionRE.FindStringSubmatch(string(out))
		if m == nil {
			continue
		}
		if major, _ := strconv.Atoi(m[2]); major >= minMajor {
			t.Logf("using %s: %s", c, strings.SplitN(string(out), "\n", 2)[0])
			return c
		}
	}
	return ""
}
