package capture

import (
	"bytes"
	"slices"
)

// field is one cell of a row.
type field struct {
	v    []byte
	null bool
}

// maxFields bounds the fields of one row (20480: the default of Spark's CSV option maxColumns,
// CSVOptions.scala). A batch holds max width × rows cells, so without a bound one garbage record
// among many narrow ones would make every row of its chunk as wide.
const maxFields = 20480

// sideRows holds the rows decoded from one side of a record: row r is fields[ends[r-1]:ends[r]].
type sideRows struct {
	fields []field
	ends   []int
	wide   bool // a row would exceed maxFields; fields beyond it were not stored
}

func (s *sideRows) reset() {
	s.fields = s.fields[:0]
	s.ends = s.ends[:0]
	s.wide = false
}

// push appends a field to the current row unless the row is full.
func (s *sideRows) push(f field) {
	start := 0
	if len(s.ends) > 0 {
		start = s.ends[len(s.ends)-1]
	}
	if len(s.fields)-start >= maxFields {
		s.wide = true
		return
	}
	s.fields = append(s.fields, f)
}

// width returns the field count of the widest row.
func (s *sideRows) width() int {
	w, start := 0, 0
	for _, e := range s.ends {
		w = max(w, e-start)
		start = e
	}
	return w
}

func (s *sideRows) rows() int { return len(s.ends) }

func (s *sideRows) row(r int) []field {
	start := 0
	if r > 0 {
		start = s.ends[r-1]
	}
	return s.fields[start:s.ends[r]]
}

func (s *sideRows) endRow() { s.ends = append(s.ends, len(s.fields)) }

// dropIfEmpty forgets the rows when none of them holds a field ({}, [], [{}], empty data).
func (s *sideRows) dropIfEmpty() {
	if len(s.fields) == 0 {
		s.ends = s.ends[:0]
	}
}

// csvRows splits a CSV payload into rows (dialect in the package documentation). It returns false
// when a quoted field is not closed. Quoted fields holding "" are unescaped into p.buf.
func (p *parser) csvRows(d []byte, out *sideRows) bool {
	n := len(d)
	i := 0
	for i < n {
		// Skip empty rows: LF, CRLF, or a CR ending the data.
		switch d[i] {
		case '\n':
			i++
			continue
		case '\r':
			if i+1 == n {
				i++
				continue
			}
			if d[i+1] == '\n' {
				i += 2
				continue
			}
		}
		for {
			if d[i] == '"' {
				i++
				b0 := len(p.buf)
				seg := i
				for {
					j := bytes.IndexByte(d[i:], '"')
					if j < 0 {
						return false
					}
					i += j
					if i+1 < n && d[i+1] == '"' { // "" is a quote
						p.buf = append(p.buf, d[seg:i+1]...)
						i += 2
						seg = i
						continue
					}
					p.buf = append(p.buf, d[seg:i]...)
					i++ // past the closing quote
					break
				}
				if i < n && d[i] != ',' && d[i] != '\n' && !(d[i] == '\r' && (i+1 == n || d[i+1] == '\n')) {
					// A closing quote followed by other data: the quote is data and the rest of the
					// field is read unquoted.
					j := i
					for j < n && d[j] != ',' && d[j] != '\n' {
						j++
					}
					e := j
					if (j == n || d[j] == '\n') && d[e-1] == '\r' {
						e--
					}
					p.buf = append(p.buf, d[i-1:e]...)
					i = j
				}
				v := p.buf[b0:len(p.buf):len(p.buf)]
				out.push(field{v: v, null: len(v) == 0})
			} else {
				j := i
				for j < n && d[j] != ',' && d[j] != '\n' {
					j++
				}
				e := j
				if e > i && d[e-1] == '\r' && (j == n || d[j] == '\n') {
					e--
				}
				out.push(field{v: d[i:e], null: e == i})
				i = j
			}
			if i >= n {
				break
			}
			if d[i] == ',' {
				i++
				if i == n { // a trailing separator: one more, empty field
					out.push(field{null: true})
					break
				}
				continue
			}
			// Row end: LF, CRLF, or a CR ending the data.
			if d[i] == '\r' {
				i++
			}
			if i < n {
				i++ // '\n'
			}
			break
		}
		out.endRow()
	}
	return true
}

// jsonRows turns parsed payload values into rows (rules in the package documentation).
func (p *parser) jsonRows(roots []int32, out *sideRows) {
	for _, v := range roots {
		if u := p.soleMember(v); u >= 0 && p.nodes[u].kind == kArr {
			v = u // rule 1: {"instances": [...]}
		}
		nd := &p.nodes[v]
		if nd.kind != kArr {
			p.flatten(v, out) // rule 4
			out.endRow()
			continue
		}
		if nd.n == 0 {
			continue
		}
		allArr, allObj := true, true
		for c := nd.first; c >= 0; c = p.nodes[c].next {
			k := p.nodes[c].kind
			allArr = allArr && k == kArr
			allObj = allObj && k == kObj
		}
		if allArr || allObj { // rule 2: one row per element
			for c := nd.first; c >= 0; c = p.nodes[c].next {
				p.flattenTop(c, out)
				out.endRow()
			}
			continue
		}
		p.flattenTop(v, out) // rule 3: one row of the elements
		out.endRow()
	}
}

// soleMember returns the value of v's only key when v is an object with exactly one distinct key
// (the last member when the key repeats), else -1.
func (p *parser) soleMember(v int32) int32 {
	nd := &p.nodes[v]
	if nd.kind != kObj || nd.n == 0 {
		return -1
	}
	key := p.nodes[nd.first].key
	last := nd.first
	for c := p.nodes[nd.first].next; c >= 0; c = p.nodes[c].next {
		if !bytes.Equal(p.nodes[c].key, key) {
			return -1
		}
		last = c
	}
	return last
}

// flattenTop flattens a value at the top of a row: an array's elements are flattened one by one.
func (p *parser) flattenTop(v int32, out *sideRows) {
	if p.nodes[v].kind != kArr {
		p.flatten(v, out)
		return
	}
	for c := p.nodes[v].first; c >= 0; c = p.nodes[c].next {
		p.flatten(c, out)
	}
}

// flatten appends the fields of v inside a row.
func (p *parser) flatten(v int32, out *sideRows) {
	nd := &p.nodes[v]
	switch nd.kind {
	case kNull:
		out.push(field{null: true})
	case kObj:
		p.flattenObject(v, out)
	case kArr:
		scalars := true
		for c := nd.first; c >= 0; c = p.nodes[c].next {
			if !p.nodes[c].kind.isScalar() {
				scalars = false
				break
			}
		}
		if !scalars {
			b0 := len(p.buf)
			p.buf = appendCompact(p.buf, nd.val)
			out.push(field{v: p.buf[b0:len(p.buf):len(p.buf)]})
			return
		}
		for c := nd.first; c >= 0; c = p.nodes[c].next {
			p.flatten(c, out)
		}
	default:
		out.push(field{v: nd.val})
	}
}

// flattenObject appends the fields of object v's members in key order; of members with the same
// key only the last counts.
func (p *parser) flattenObject(v int32, out *sideRows) {
	nd := p.nodes[v]
	if nd.n == 1 {
		p.flatten(nd.first, out)
		return
	}
	// Members are sorted on a shared stack: deeper objects push above this one's segment.
	mark := len(p.order)
	for c := nd.first; c >= 0; c = p.nodes[c].next {
		p.order = append(p.order, c)
	}
	seg := p.order[mark:len(p.order):len(p.order)]
	slices.SortStableFunc(seg, func(a, b int32) int { return bytes.Compare(p.nodes[a].key, p.nodes[b].key) })
	for k, c := range seg {
		if k+1 < len(seg) && bytes.Equal(p.nodes[c].key, p.nodes[seg[k+1]].key) {
			continue // a later member with the same key wins
		}
		p.flatten(c, out)
	}
	p.order = p.order[:mark]
}
