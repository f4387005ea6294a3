package analyzer

import (
	"time"

	"github.com/driftwatch/driftwatch/analyzer/source"
)

// defaultProgressInterval is how often a long job logs its progress.
const defaultProgressInterval = 5 * time.Second

// progress logs how far a job has come — rows and bytes merged so far and the throughput — at most
// once per interval, so that a long job shows it is alive without flooding the log.
type progress struct {
	log      Logger
	every    time.Duration
	start    time.Time
	last     time.Time
	rows     int64
	bytes    int64 // uncompressed bytes of the chunks merged (0 for Parquet, which has no chunks of text)
	chunks   int
	now      func() time.Time
	disabled bool
}

func newProgress(log Logger, every time.Duration) *progress {
	if every == 0 {
		every = defaultProgressInterval
	}
	p := &progress{log: log, every: every, now: time.Now, disabled: every < 0}
	p.start = p.now()
	p.last = p.start
	return p
}

// add records one merged chunk and logs when the interval has passed since the last record.
func (p *progress) add(rows, bytes int64) {
	p.rows += rows
	p.bytes += bytes
	p.chunks++
	if p.disabled {
		return
	}
	now := p.now()
	if now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	secs := now.Sub(p.start).Seconds()
	p.log.Info("progress", "chunks", p.chunks, "rows", p.rows, "mb", float64(p.bytes)/1e6,
		"mb_per_s", float64(p.bytes)/1e6/secs, "rows_per_s", float64(p.rows)/secs, "seconds", secs)
}

// totalSize is the number of bytes the files hold (as listed: compressed size for .gz files).
func totalSize(files []source.File) int64 {
	var n int64
	for _, f := range files {
		n += f.Size
	}
	return n
}
