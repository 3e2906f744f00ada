package graph

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Work splitting. A long GEMM, optimizer pass or im2col is cut into as many
// parts as there are threads; the caller runs part 0 and the pool's workers
// the others. How a job is cut depends only on its shape and the thread
// count, and each part writes its own outputs, so results are the same
// whichever goroutine runs which part: when the pool is busy with another
// caller's job, the caller simply runs all its parts itself, in order. No
// cut changes how any element is summed (see gemm), so results do not depend
// on the thread count either; only Adam's returned squared norm, a check
// against divergence, adds its parts' sums.
//
// OpenBLAS takes the largest GEMMs on its own threads and the others on the
// calling thread (blas_openblas.go); its sums over k are cut so that both
// add every element in the same order.

// maxParts bounds the parts of one job (and the thread count).
const maxParts = 8

// task is one part of a job.
type task struct {
	kind   taskKind
	gemm   gemmArgs
	adam   adamArgs
	patch  patchArgs
	bn     bnArgs
	perm   permuteArgs
	elt    eltArgs
	pass   passArgs
	direct directArgs
	sums   channelSumArgs
}

type taskKind uint8

const (
	taskGemm taskKind = iota
	taskAdam
	taskIm2col
	taskCol2im
	taskBatchNorm
	taskPermute
	taskElementwise
	taskPass
	taskDirect
	taskChannelSums
)

func (t *task) run() {
	switch t.kind {
	case taskGemm:
		t.gemm.run()
	case taskAdam:
		t.adam.run()
	case taskIm2col:
		p := &t.patch
		im2colRange(p.g, p.batch, p.b0, p.b1, p.x, p.col)
	case taskCol2im:
		p := &t.patch
		col2imRange(p.g, p.batch, p.b0, p.b1, p.col, p.x)
	case taskBatchNorm:
		t.bn.run()
	case taskPermute:
		t.perm.run()
	case taskElementwise:
		t.elt.run()
	case taskPass:
		t.pass.run()
	case taskDirect:
		t.direct.run()
	case taskChannelSums:
		t.sums.run()
	}
}

type workerPool struct {
	mu      sync.Mutex // held while workers run one caller's parts
	threads atomic.Int32
	started int
	tasks   [maxParts]task // tasks[i] is worker i−1's part
	slots   [maxParts - 1]workerSlot
	// passes counts the workspace halves running (runHalves): each has a
	// thread, so their ops are not cut further.
	passes atomic.Int32
}

// workerSlot is one worker's two signals: a part posted, a part done.
type workerSlot struct {
	post, done event
	doneSeen   uint64 // the caller's count of done signals consumed
	_          [64]byte
}

var pool workerPool

func init() { setPoolThreads(runtime.NumCPU()) }

// setPoolThreads sets the number of parts jobs are cut into.
func setPoolThreads(n int) { pool.threads.Store(int32(min(max(n, 1), maxParts))) }

// parts is how many parts a job of the given size is cut into: no more than
// the goroutines that can run at once, since a waiting part would spin.
func parts(work, minPerPart int) int {
	if pool.passes.Load() > 0 {
		return 1
	}
	return max(1, min(int(pool.threads.Load()), runtime.GOMAXPROCS(0), work/minPerPart))
}

// runParts runs ts, using the workers when no other caller holds them.
func runParts(ts []task) {
	if len(ts) == 1 || !pool.mu.TryLock() {
		for i := range ts {
			ts[i].run()
		}
		return
	}
	defer pool.mu.Unlock()
	for pool.started < len(ts)-1 {
		s := &pool.slots[pool.started]
		s.post.ch, s.done.ch = make(chan struct{}, 1), make(chan struct{}, 1)
		go worker(pool.started)
		pool.started++
	}
	copy(pool.tasks[1:], ts[1:])
	for i := 1; i < len(ts); i++ {
		pool.slots[i-1].post.signal()
	}
	ts[0].run()
	for i := 1; i < len(ts); i++ {
		s := &pool.slots[i-1]
		s.doneSeen = s.done.wait(s.doneSeen, callerSpin)
	}
	copy(ts[1:], pool.tasks[1:len(ts)]) // results
}

// Workers keep spinning a while after a part, since a training step posts
// the next one within microseconds; a parked goroutine takes tens of
// microseconds to wake, as long as a small GEMM. A caller spins as long as
// a workspace half takes (a few hundred microseconds on the ring GAN): with
// 50 µs it parked 1.5 times a step there, and each wake-up also left the
// worker waiting long enough to park. Workers spin as long: with 200 µs the
// ring's worker started its half of a pass 12–21 µs after the post on
// average, and the ring's step took 1.02–1.11 times as long (paired runs;
// DCGAN's and the VAE's steps did not change).
const (
	workerSpin = time.Millisecond
	callerSpin = time.Millisecond
)

func worker(i int) {
	s := &pool.slots[i]
	var seen uint64
	for {
		seen = s.post.wait(seen, workerSpin)
		pool.tasks[i+1].run()
		s.done.signal()
	}
}

// quietPool, while set, makes waiting workers block at once instead of
// spinning: OpenBLAS's threads need the cores during a threaded GEMM.
var quietPool atomic.Bool

// event signals from one goroutine to another; the waiter spins for a
// while before it blocks.
type event struct {
	seq    atomic.Uint64
	parked atomic.Bool
	ch     chan struct{}
}

func (e *event) signal() {
	e.seq.Add(1)
	if e.parked.Load() {
		select {
		case e.ch <- struct{}{}:
		default:
		}
	}
}

// wait returns the signal count once it differs from seen.
func (e *event) wait(seen uint64, spin time.Duration) uint64 {
	var deadline time.Time
	for i := 0; ; i++ {
		if s := e.seq.Load(); s != seen {
			return s
		}
		spinPause()
		if i&63 == 63 {
			if quietPool.Load() {
				break
			}
			if deadline.IsZero() {
				deadline = time.Now().Add(spin)
			} else if time.Now().After(deadline) {
				break
			}
		}
	}
	for {
		e.parked.Store(true)
		if s := e.seq.Load(); s != seen {
			e.parked.Store(false)
			return s
		}
		<-e.ch
		e.parked.Store(false)
	}
}
