package analyzer

import (
	"testing"
	"time"
)

type recordingLogger struct{ infos []map[string]any }

func (r *recordingLogger) Info(msg string, args ...any) {
	m := map[string]any{"msg": msg}
	for i := 0; i+1 < len(args); i += 2 {
		m[args[i].(string)] = args[i+1]
	}
	r.infos = append(r.infos, m)
}
func (r *recordingLogger) Warn(string, ...any)  {}
func (r *recordingLogger) Error(string, ...any) {}

// TestProgressThrottled: progress is logged at most once per interval, with running totals.
func TestProgressThrottled(t *testing.T) {
	log := &recordingLogger{}
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := newProgress(log, 5*time.Second)
	p.now = func() time.Time { return clock }
	p.start, p.last = clock, clock
	for i := 0; i < 100; i++ { // 100 chunks, one per second
		clock = clock.Add(time.Second)
		p.add(1000, 4<<20)
	}
	if len(log.infos) != 20 {
		t.Fatalf("%d progress records over 100 s at a 5 s interval, want 20", len(log.infos))
	}
	last := log.infos[len(log.infos)-1]
	if last["rows"] != int64(100_000) || last["chunks"] != 100 {
		t.Errorf("last record %v: want running totals of 100 chunks, 100000 rows", last)
	}
	if got, want := last["mb_per_s"].(float64), float64(4<<20)/1e6; got < want*0.999 || got > want*1.001 {
		t.Errorf("mb_per_s %v, want %v", got, want)
	}
	quiet := &recordingLogger{}
	q := newProgress(quiet, -1)
	q.add(1, 1)
	if len(quiet.infos) != 0 {
		t.Error("a negative interval logged progress")
	}
}
