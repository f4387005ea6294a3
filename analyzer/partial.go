package analyzer

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"

	"github.com/driftwatch/driftwatch/analyzer/capture"
	"github.com/driftwatch/driftwatch/internal/wire"
	"github.com/driftwatch/driftwatch/stats"
)

// Partial profiles: what a shard of a sharded job writes, and the merge reads. The layout is
// specified in docs/format/partial.md; this file is its only implementation.

// PartialFormatVersion is the version of the partial-profile format this build writes and reads.
// Any change to the layout or to the meaning of a field (including the accumulator encodings in
// stats, stats/kll and stats/hll) must bump it: the merge refuses other versions.
const PartialFormatVersion = 1

// partialMagic opens every partial-profile file: a non-ASCII byte, "DWP", CR LF, SUB, LF (as PNG's
// signature, it detects text-mode transfers and truncation at the first bytes).
const partialMagic = "\x89DWP\r\n\x1a\n"

// PartialExt is the file extension of partial profiles.
const PartialExt = ".dwp"

// Section kinds.
const (
	sectionHeader = 'H'
	sectionUnit   = 'U'
	sectionEnd    = 'E'
)

// crcTable is CRC-32C (Castagnoli), the checksum of every section.
var crcTable = crc32.MakeTable(crc32.Castagnoli)

// jobKind is the kind of job a partial profile belongs to.
type jobKind uint8

const (
	kindBaseline   jobKind = 1
	kindMonitoring jobKind = 2
)

func (k jobKind) String() string {
	switch k {
	case kindBaseline:
		return "baseline"
	case kindMonitoring:
		return "monitoring"
	}
	return fmt.Sprintf("jobKind(%d)", uint8(k))
}

// partialHeader is everything that must agree between the partials of one job, plus the shard's
// place in it.
type partialHeader struct {
	FormatVersion int    // PartialFormatVersion
	Version       string // driftwatch version that wrote it
	Kind          jobKind
	DatasetFormat string // canonical dataset_format JSON (formatJSON)
	DatasetSource string
	Baseline      []byte // SHA-256 of the baseline files (monitoring jobs); empty for baselines
	Tracked       []byte // SHA-256 of the tracked values (trackedFingerprint)
	TrackedCount  int
	WindowStart   string
	WindowEnd     string
	RunID         string
	Index, Count  int   // shard Index of Count
	UnitSize      int64 // bytes per merge unit
	ChunkSize     int64 // bytes per chunk
	Listing       []byte
	Files         int   // files in the listing
	Bytes         int64 // bytes in the listing
	Units         int   // units in the whole plan
	First, End    int   // the units this partial covers, [First, End)
}

// partialEnd closes a partial: how many units it held and the columns its input declared.
type partialEnd struct {
	Units       int
	Columns     []string
	ColumnsFrom string
}

func (h *partialHeader) encode() []byte {
	b := wire.AppendUvarint(nil, uint64(h.FormatVersion))
	b = wire.AppendString(b, h.Version)
	b = append(b, byte(h.Kind))
	b = wire.AppendString(b, h.DatasetFormat)
	b = wire.AppendString(b, h.DatasetSource)
	b = wire.AppendBytes(b, h.Baseline)
	b = wire.AppendBytes(b, h.Tracked)
	b = wire.AppendUvarint(b, uint64(h.TrackedCount))
	b = wire.AppendString(b, h.WindowStart)
	b = wire.AppendString(b, h.WindowEnd)
	b = wire.AppendString(b, h.RunID)
	for _, x := range []int64{int64(h.Index), int64(h.Count), h.UnitSize, h.ChunkSize} {
		b = wire.AppendUvarint(b, uint64(x))
	}
	b = wire.AppendBytes(b, h.Listing)
	for _, x := range []int64{int64(h.Files), h.Bytes, int64(h.Units), int64(h.First), int64(h.End)} {
		b = wire.AppendUvarint(b, uint64(x))
	}
	return b
}

// maxCount bounds decoded counts of shards, units and files.
const maxCount = 1 << 40

func decodeHeader(p []byte) (partialHeader, error) {
	r := wire.NewReader(p)
	var h partialHeader
	h.FormatVersion = r.Count("format version", maxCount)
	if r.Err() == nil && h.FormatVersion != PartialFormatVersion {
		return h, fmt.Errorf("partial format version %d, this build reads version %d", h.FormatVersion, PartialFormatVersion)
	}
	h.Version = r.String()
	h.Kind = jobKind(r.Byte())
	h.DatasetFormat = r.String()
	h.DatasetSource = r.String()
	h.Baseline = slices.Clone(r.Bytes())
	h.Tracked = slices.Clone(r.Bytes())
	h.TrackedCount = r.Count("tracked value count", maxCount)
	h.WindowStart = r.String()
	h.WindowEnd = r.String()
	h.RunID = r.String()
	h.Index = r.Count("shard index", maxCount)
	h.Count = r.Count("shard count", maxCount)
	h.UnitSize = int64(r.Count("unit size", 1<<62))
	h.ChunkSize = int64(r.Count("chunk size", 1<<62))
	h.Listing = slices.Clone(r.Bytes())
	h.Files = r.Count("file count", maxCount)
	h.Bytes = int64(r.Count("byte count", 1<<62))
	h.Units = r.Count("unit count", maxCount)
	h.First = r.Count("first unit", maxCount)
	h.End = r.Count("end unit", maxCount)
	if err := r.Done(); err != nil {
		return h, err
	}
	switch {
	case h.Kind != kindBaseline && h.Kind != kindMonitoring:
		return h, fmt.Errorf("unknown job kind %d", h.Kind)
	case h.Count < 1 || h.Index >= h.Count:
		return h, fmt.Errorf("shard %d of %d", h.Index, h.Count)
	case h.First > h.End || h.End > h.Units:
		return h, fmt.Errorf("units [%d, %d) outside the %d units of the job", h.First, h.End, h.Units)
	}
	return h, nil
}

func (e *partialEnd) encode() []byte {
	b := wire.AppendUvarint(nil, uint64(e.Units))
	b = wire.AppendUvarint(b, uint64(len(e.Columns)))
	for _, c := range e.Columns {
		b = wire.AppendString(b, c)
	}
	return wire.AppendString(b, e.ColumnsFrom)
}

func decodeEnd(p []byte) (partialEnd, error) {
	r := wire.NewReader(p)
	var e partialEnd
	e.Units = r.Count("unit count", maxCount)
	n := r.Count("column count", uint64(r.Len()))
	for i := 0; i < n && r.Err() == nil; i++ {
		e.Columns = append(e.Columns, r.String())
	}
	e.ColumnsFrom = r.String()
	return e, r.Done()
}

// encodeUnit encodes one unit: its global index, its capture summary and its profile.
func encodeUnit(u int, up unitProfile) ([]byte, error) {
	b := wire.AppendUvarint(nil, uint64(u))
	s := up.capture
	for _, x := range []int64{s.Records, s.Rows, s.OutsideWindow, s.Unusable} {
		b = wire.AppendVarint(b, x)
	}
	reasons := make([]string, 0, len(s.Reasons))
	for r := range s.Reasons {
		reasons = append(reasons, r)
	}
	slices.Sort(reasons)
	b = wire.AppendUvarint(b, uint64(len(reasons)))
	for _, r := range reasons {
		b = wire.AppendString(b, r)
		b = wire.AppendVarint(b, s.Reasons[r])
	}
	b = wire.AppendUvarint(b, uint64(len(s.Examples)))
	for _, e := range s.Examples {
		b = wire.AppendString(b, e.File)
		b = wire.AppendVarint(b, e.Line)
		b = wire.AppendString(b, e.Reason)
	}
	if up.profile == nil {
		return append(b, 0), nil
	}
	b = append(b, 1)
	return up.profile.AppendBinary(b)
}

// decodeUnit decodes a unit; the profile tracks the values of track (the job's tracked values).
func decodeUnit(p []byte, track []string) (int, unitProfile, error) {
	r := wire.NewReader(p)
	u := r.Count("unit index", maxCount)
	var up unitProfile
	s := &up.capture
	s.Records = r.NonNegative("record count")
	s.Rows = r.NonNegative("row count")
	s.OutsideWindow = r.NonNegative("outside-window count")
	s.Unusable = r.NonNegative("unusable count")
	n := r.Count("reason count", uint64(r.Len()))
	for i := 0; i < n && r.Err() == nil; i++ {
		if s.Reasons == nil {
			s.Reasons = map[string]int64{}
		}
		k := r.String()
		s.Reasons[k] = r.NonNegative("reason count")
	}
	n = r.Count("example count", capture.MaxExamples)
	for i := 0; i < n && r.Err() == nil; i++ {
		s.Examples = append(s.Examples, capture.Problem{File: r.String(), Line: r.NonNegative("line"), Reason: r.String()})
	}
	has := r.Byte()
	if err := r.Err(); err != nil {
		return 0, up, err
	}
	switch has {
	case 0:
		return u, up, r.Done()
	case 1:
	default:
		return 0, up, fmt.Errorf("%w: profile flag %d", wire.ErrCorrupt, has)
	}
	up.profile = stats.NewProfile()
	up.profile.TrackValues(track)
	if err := up.profile.UnmarshalBinary(r.Raw(r.Len())); err != nil {
		return 0, up, err
	}
	return u, up, nil
}

// partialWriter writes a partial profile: the magic and header, then units as they come, then the
// end section.
type partialWriter struct {
	w     *bufio.Writer
	units int
}

func newPartialWriter(w io.Writer, h *partialHeader) (*partialWriter, error) {
	pw := &partialWriter{w: bufio.NewWriterSize(w, 1<<20)}
	pw.w.WriteString(partialMagic)
	return pw, pw.section(sectionHeader, h.encode())
}

func (pw *partialWriter) section(kind byte, payload []byte) error {
	var hdr [1 + binary.MaxVarintLen64]byte
	hdr[0] = kind
	n := 1 + binary.PutUvarint(hdr[1:], uint64(len(payload)))
	crc := crc32.Update(crc32.Update(0, crcTable, hdr[:1]), crcTable, payload)
	pw.w.Write(hdr[:n])
	pw.w.Write(payload)
	_, err := pw.w.Write(binary.LittleEndian.AppendUint32(nil, crc))
	return err
}

func (pw *partialWriter) unit(u int, up unitProfile) error {
	p, err := encodeUnit(u, up)
	if err != nil {
		return err
	}
	pw.units++
	return pw.section(sectionUnit, p)
}

func (pw *partialWriter) close(cols inputColumns) error {
	e := partialEnd{Units: pw.units, Columns: cols.names, ColumnsFrom: cols.from}
	if err := pw.section(sectionEnd, e.encode()); err != nil {
		return err
	}
	return pw.w.Flush()
}

// errPartial marks a partial that cannot be used: corrupt, truncated, of another format version.
var errPartial = errors.New("unusable partial profile")

// partialReader reads a partial profile section by section, never trusting a length beyond the
// bytes the file has left.
type partialReader struct {
	name   string
	r      *bufio.Reader
	left   int64 // bytes not read yet
	header partialHeader
	units  int    // units read so far
	buf    []byte // section payloads
}

// openPartial reads the magic and the header of a partial of size bytes. buf, when not nil, is
// storage for section payloads to reuse (a merge reads many partials).
func openPartial(name string, r io.Reader, size int64, buf []byte) (*partialReader, error) {
	// Large sections bypass the buffer (bufio reads them straight into the payload).
	pr := &partialReader{name: name, r: bufio.NewReaderSize(r, 64<<10), left: size, buf: buf}
	magic := make([]byte, len(partialMagic))
	if _, err := io.ReadFull(pr.r, magic); err != nil || string(magic) != partialMagic {
		return nil, pr.errorf("not a driftwatch partial profile (bad magic bytes)")
	}
	pr.left -= int64(len(magic))
	kind, p, err := pr.section()
	if err != nil {
		return nil, err
	}
	if kind != sectionHeader {
		return nil, pr.errorf("first section is %q, want the header", kind)
	}
	if pr.header, err = decodeHeader(p); err != nil {
		return nil, pr.errorf("header: %v", err)
	}
	return pr, nil
}

func (pr *partialReader) errorf(format string, args ...any) error {
	return fmt.Errorf("partial profile %s: %w: %s", pr.name, errPartial, fmt.Sprintf(format, args...))
}

// section reads one section and checks its CRC.
func (pr *partialReader) section() (byte, []byte, error) {
	kind, err := pr.r.ReadByte()
	if err != nil {
		return 0, nil, pr.errorf("truncated: no end section")
	}
	pr.left--
	var n uint64
	for shift := 0; ; shift += 7 {
		c, err := pr.r.ReadByte()
		if err != nil || shift > 63 {
			return 0, nil, pr.errorf("truncated or bad section length")
		}
		pr.left--
		n |= uint64(c&0x7f) << shift
		if c < 0x80 {
			break
		}
	}
	if n > uint64(max(pr.left-4, 0)) {
		return 0, nil, pr.errorf("section of %d bytes, only %d left in the file", n, pr.left)
	}
	// The payload buffer is reused section after section: decoding copies what it keeps.
	if uint64(cap(pr.buf)) < n+4 {
		pr.buf = make([]byte, n+4)
	}
	p := pr.buf[:n+4]
	if _, err := io.ReadFull(pr.r, p); err != nil {
		return 0, nil, pr.errorf("truncated section: %v", err)
	}
	pr.left -= int64(len(p))
	want := binary.LittleEndian.Uint32(p[n:])
	p = p[:n]
	if got := crc32.Update(crc32.Update(0, crcTable, []byte{kind}), crcTable, p); got != want {
		return 0, nil, pr.errorf("checksum mismatch in a %q section (corrupt file)", kind)
	}
	return kind, p, nil
}

// next returns the next unit (its global index and profile), or io.EOF with the end section once
// every unit was read. The units must be exactly the header's [First, End), in order.
func (pr *partialReader) next(track []string) (int, unitProfile, *partialEnd, error) {
	kind, p, err := pr.section()
	if err != nil {
		return 0, unitProfile{}, nil, err
	}
	h := &pr.header
	switch kind {
	case sectionUnit:
		u, up, err := decodeUnit(p, track)
		if err != nil {
			return 0, unitProfile{}, nil, pr.errorf("unit %d: %v", h.First+pr.units, err)
		}
		if want := h.First + pr.units; u != want || u >= h.End {
			return 0, unitProfile{}, nil, pr.errorf("holds unit %d where unit %d was expected (covers [%d, %d))", u, want, h.First, h.End)
		}
		pr.units++
		return u, up, nil, nil
	case sectionEnd:
		e, err := decodeEnd(p)
		if err != nil {
			return 0, unitProfile{}, nil, pr.errorf("end section: %v", err)
		}
		if e.Units != pr.units || pr.units != h.End-h.First {
			return 0, unitProfile{}, nil, pr.errorf("holds %d units, its header says [%d, %d)", pr.units, h.First, h.End)
		}
		if pr.left != 0 {
			return 0, unitProfile{}, nil, pr.errorf("%d bytes after the end section", pr.left)
		}
		return 0, unitProfile{}, &e, io.EOF
	}
	return 0, unitProfile{}, nil, pr.errorf("unknown section %q", kind)
}
