package cpu

import "sync"

// pool runs a range of work items on n goroutines (the caller's one
// included). Its workers live as long as the Program; sending a job does
// not allocate.
type pool struct {
	n    int
	jobs chan poolJob
	wg   sync.WaitGroup
}

type poolJob struct {
	fn     func(lo, hi int)
	lo, hi int
}

func newPool(n int) *pool {
	p := &pool{n: max(n, 1)}
	if p.n > 1 {
		p.jobs = make(chan poolJob, p.n)
		for i := 1; i < p.n; i++ {
			go func() {
				for j := range p.jobs {
					j.fn(j.lo, j.hi)
					p.wg.Done()
				}
			}()
		}
	}
	return p
}

// run calls fn over [0, total) split into at most n contiguous ranges of
// at least grain items, and returns when all are done.
func (p *pool) run(total, grain int, fn func(lo, hi int)) {
	parts := p.n
	if grain > 0 && total/grain < parts {
		parts = max(total/grain, 1)
	}
	if parts <= 1 || p.jobs == nil {
		fn(0, total)
		return
	}
	chunk := (total + parts - 1) / parts
	p.wg.Add(parts - 1)
	for i := 1; i < parts; i++ {
		lo := i * chunk
		hi := min(lo+chunk, total)
		if lo >= hi {
			p.wg.Done()
			continue
		}
		p.jobs <- poolJob{fn, lo, hi}
	}
	fn(0, min(chunk, total))
	p.wg.Wait()
}

// grainFor returns how many work items of the given cost (in
// multiply-adds or element operations each) one goroutine should take at
// least, so that handing work to another goroutine (a few microseconds)
// pays off: about 64K operations.
func grainFor(costPerItem int) int {
	return max(1, (1<<16)/max(costPerItem, 1))
}

// close stops the workers.
func (p *pool) close() {
	if p.jobs != nil {
		close(p.jobs)
		p.jobs = nil
	}
}
