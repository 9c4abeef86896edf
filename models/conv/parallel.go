package conv

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// parallelFor calls f on consecutive ranges of [0, n) of at most grain items, from one
// goroutine per core, each taking the next range when done with the last: cores that other
// work slows down take fewer ranges.
func parallelFor(n, grain int, f func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), (n+grain-1)/grain)
	if workers <= 1 {
		if n > 0 {
			f(0, n)
		}
		return
	}
	var next atomic.Int64
	run := func() {
		for {
			lo := int(next.Add(int64(grain))) - grain
			if lo >= n {
				return
			}
			f(lo, min(lo+grain, n))
		}
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Go(run)
	}
	run()
	wg.Wait()
}
