package sidecar

import (
	"sync"
	"sync/atomic"
)

// queueSlots is the channel capacity of the queue: at least QueueBytes / (queueOverhead + 1 KB)
// records of 1 KB fit, and bounding the count too keeps the channel's own memory small (8 bytes a
// slot).
const queueSlots = 1 << 17

// queue hands exchanges from request handlers to the single file writer. push never blocks: a
// record that would take the queue past its byte bound, or arrives after close, is dropped and
// counted.
type queue struct {
	ch     chan *exchange
	max    int64
	bytes  atomic.Int64
	mu     sync.RWMutex // push holds it shared; close exclusively, so no push races the close
	closed bool
	m      *metrics
}

func newQueue(maxBytes int64, m *metrics) *queue {
	return &queue{ch: make(chan *exchange, queueSlots), max: maxBytes, m: m}
}

// push queues x or drops it; either way the caller no longer owns x.
func (q *queue) push(x *exchange) {
	n := x.cost()
	q.mu.RLock()
	if q.closed {
		q.mu.RUnlock()
		q.m.dropShutdown.Inc()
		putExchange(x)
		return
	}
	if q.bytes.Add(n) > q.max {
		q.bytes.Add(-n)
		q.mu.RUnlock()
		q.m.dropQueue.Inc()
		putExchange(x)
		return
	}
	select {
	case q.ch <- x:
		q.mu.RUnlock()
		q.m.queueBytes.Add(n)
		q.m.queueRecords.Inc()
	default:
		q.bytes.Add(-n)
		q.mu.RUnlock()
		q.m.dropQueue.Inc()
		putExchange(x)
	}
}

// taken tells the queue the writer took x off the channel.
func (q *queue) taken(x *exchange) {
	n := x.cost()
	q.bytes.Add(-n)
	q.m.queueBytes.Sub(n)
	q.m.queueRecords.Dec()
}

// close stops the queue: later pushes are dropped (reason shutdown) and the writer drains what
// is in the channel, then sees it closed.
func (q *queue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
}
