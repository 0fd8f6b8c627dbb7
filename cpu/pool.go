package cpu

import (
	"runtime"
	"sync/atomic"
	"time"
)

// pool runs a range of work items on up to n goroutines (the caller's one
// included). Its workers live as long as the Program; handing out a job
// does not allocate, and when the workers are awake it does not enter the
// scheduler either.
//
// A job is cut into parts that the caller and the workers claim one at a
// time from a shared counter, so the caller never waits for a worker to
// wake up: a worker that is parked, or descheduled by a busy machine,
// simply gets fewer parts (at worst none, and the job runs at the speed
// of one thread). The caller waits only for parts already claimed.
//
// Waking a parked goroutine costs tens of microseconds on a VM (the
// runtime has to wake an OS thread), and a model runs a few hundred
// parallel ops per inference, so an idle worker first polls the counter
// for spinFor and only then parks on its wake channel. Parking is
// race-free by the usual announce-then-recheck protocol: a worker sets
// parked and re-reads the counter before it blocks; the caller publishes
// the job before it reads parked; atomics being sequentially consistent,
// one of them sees the other.
type pool struct {
	n       int
	workers []*worker
	// claim packs the current job's generation (high 32 bits), its number
	// of parts (16 bits) and the next unclaimed part (low 16 bits).
	claim atomic.Uint64
	gen   uint32
	// The job: written by the caller before it publishes claim, read by
	// whoever has claimed a part of it (the caller does not write them
	// again before every claimed part is done).
	fn           func(lo, hi int)
	total, chunk int
	remaining    atomic.Int32 // claimed or unclaimed parts not yet done
	waiting      atomic.Bool  // the caller is parked on done
	done         chan struct{}
	closed       atomic.Bool
	quit         chan struct{}
}

// worker is one goroutine of the pool.
type worker struct {
	parked atomic.Bool
	wake   chan struct{}
	_      [56]byte // keep two workers' flags off one cache line
}

const (
	// spinFor is how long an idle worker (or the waiting caller) polls
	// before it parks: longer than the gap between two parallel ops of a
	// model, short enough not to burn a core for long once a run is over.
	spinFor = 200 * time.Microsecond
	// partsPerThread: a job is cut into up to this many parts per
	// goroutine, so that a late or slow goroutine leaves less behind
	// (2 measured as good as 1 or 4 on the fixtures).
	partsPerThread = 2
	maxParts       = 1<<16 - 1
)

func newPool(n int) *pool {
	p := &pool{n: max(n, 1), done: make(chan struct{}, 1), quit: make(chan struct{})}
	for i := 1; i < p.n; i++ {
		w := &worker{wake: make(chan struct{}, 1)}
		p.workers = append(p.workers, w)
		go p.loop(w)
	}
	return p
}

// spin polls cond for up to spinFor and reports whether it became true.
func spin(cond func() bool) bool {
	var start time.Time
	for i := 0; ; i++ {
		if cond() {
			return true
		}
		if i&63 == 63 {
			if i == 63 {
				start = time.Now()
			} else if time.Since(start) > spinFor {
				return false
			}
			runtime.Gosched()
		}
	}
}

// open reports whether claim word c has a part left to claim.
func open(c uint64) bool { return uint16(c) < uint16(c>>16) }

// work claims and runs parts of the job of generation gen until none is
// left.
func (p *pool) work(gen uint32) {
	for {
		c := p.claim.Load()
		if uint32(c>>32) != gen || !open(c) {
			return
		}
		if !p.claim.CompareAndSwap(c, c+1) {
			continue
		}
		lo := int(uint16(c)) * p.chunk
		p.fn(lo, min(lo+p.chunk, p.total))
		if p.remaining.Add(-1) == 0 && p.waiting.Load() {
			select {
			case p.done <- struct{}{}:
			default:
			}
		}
	}
}

// loop is a worker goroutine: wait for a job with parts left, help with
// it, repeat.
func (p *pool) loop(w *worker) {
	var last uint32
	fresh := func() bool {
		c := p.claim.Load()
		return uint32(c>>32) != last && open(c) || p.closed.Load()
	}
	for {
		if !spin(fresh) {
			w.parked.Store(true)
			if !fresh() {
				select {
				case <-w.wake:
				case <-p.quit:
				}
			}
			w.parked.Store(false)
			continue // re-check: the wake may be stale
		}
		if p.closed.Load() {
			return
		}
		last = uint32(p.claim.Load() >> 32)
		p.work(last)
	}
}

// run calls fn over [0, total) split into contiguous ranges of at least
// grain items, on up to n goroutines, and returns when all are done. Only
// one run is in flight at a time (a Program runs one op at a time).
func (p *pool) run(total, grain int, fn func(lo, hi int)) {
	parts := min(p.n*partsPerThread, maxParts)
	if grain > 0 && total/grain < parts {
		parts = max(total/grain, 1)
	}
	if parts <= 1 || len(p.workers) == 0 || p.closed.Load() {
		fn(0, total)
		return
	}
	p.chunk = (total + parts - 1) / parts
	parts = (total + p.chunk - 1) / p.chunk // every part non-empty
	p.fn, p.total = fn, total
	p.remaining.Store(int32(parts))
	p.gen++
	p.claim.Store(uint64(p.gen)<<32 | uint64(parts)<<16)
	for _, w := range p.workers[:min(parts-1, len(p.workers))] {
		if w.parked.Load() {
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
	}
	p.work(p.gen)
	idle := func() bool { return p.remaining.Load() == 0 }
	for !spin(idle) {
		p.waiting.Store(true)
		if !idle() {
			<-p.done
		}
		p.waiting.Store(false)
	}
	p.fn = nil
}

// grainFor returns how many work items of the given cost (in
// multiply-adds or element operations each) one part should have at
// least, so that claiming it (tens of nanoseconds, or a wake-up) pays
// off: about 16K operations.
func grainFor(costPerItem int) int {
	return max(1, (1<<14)/max(costPerItem, 1))
}

// close stops the workers (once; later calls do nothing).
func (p *pool) close() {
	if p.closed.CompareAndSwap(false, true) {
		close(p.quit)
	}
}

// elemBlock is the unit elementwise kernels split their tensors in: a
// multiple of the vector kernels' 8 lanes, so that only the last block
// has a scalar tail.
const elemBlock = 64

// elementwise returns a kernel that calls fn(lo, hi) over [0, n) elements
// on the pool, in ranges of whole blocks; cost is the operations per
// element (it sets how many elements one part gets at least).
func (p *pool) elementwise(n, cost int, fn func(lo, hi int)) kernel {
	blocks := (n + elemBlock - 1) / elemBlock
	grain := grainFor(cost * elemBlock)
	work := func(lo, hi int) { fn(lo*elemBlock, min(hi*elemBlock, n)) }
	return func() error {
		p.run(blocks, grain, work)
		return nil
	}
}
