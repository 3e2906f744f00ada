package data

// Prefetcher runs a Batcher in its own goroutine, one batch ahead of the
// caller: while the caller computes on the batch Next returned, the next one
// is being filled. Two buffers alternate, so the batches and their order are
// exactly the Batcher's and nothing is allocated after NewPrefetcher.
type Prefetcher struct {
	b      *Batcher
	slots  [2]prefetchSlot
	free   chan *prefetchSlot // buffers the goroutine may fill
	filled chan *prefetchSlot // buffers ready for the caller, in order
	stop   chan struct{}
	done   chan struct{}
	cur    *prefetchSlot // the buffer the caller holds

	epoch, pos int // the Batcher's state after the batch the caller holds
	closed     bool
}

type prefetchSlot struct {
	x          []float32
	y          []int32
	newEpoch   bool
	epoch, pos int
}

// NewPrefetcher takes over b until Close, which must be called to stop its
// goroutine. With labels it also delivers the labels (b's dataset must have
// them).
func NewPrefetcher(b *Batcher, labels bool) *Prefetcher {
	if labels && b.d.Labels == nil {
		panic("data: prefetching labels of unlabelled dataset " + b.d.Name)
	}
	p := &Prefetcher{
		b:      b,
		free:   make(chan *prefetchSlot, 2),
		filled: make(chan *prefetchSlot, 2),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	p.epoch, p.pos = b.State()
	for i := range p.slots {
		s := &p.slots[i]
		s.x = make([]float32, b.batch*b.size)
		if labels {
			s.y = make([]int32, b.batch)
		}
		p.free <- s
	}
	go p.run()
	return p
}

func (p *Prefetcher) run() {
	defer close(p.done)
	for {
		var s *prefetchSlot
		select {
		case s = <-p.free:
		case <-p.stop:
			return
		}
		s.newEpoch = p.b.Next(s.x, s.y)
		s.epoch, s.pos = p.b.State()
		select {
		case p.filled <- s:
		case <-p.stop:
			return
		}
	}
}

// Next returns the next batch and its labels (nil unless asked for) and
// whether it is the first of its epoch, as Batcher.Next. The slices stay
// valid until the following call of Next or Close, and belong to the
// Prefetcher.
func (p *Prefetcher) Next() (x []float32, y []int32, newEpoch bool) {
	if p.closed {
		panic("data: Next on a closed Prefetcher")
	}
	if p.cur != nil {
		p.free <- p.cur // never blocks: at most two buffers exist
	}
	s := <-p.filled
	p.cur = s
	p.epoch, p.pos = s.epoch, s.pos
	return s.x, s.y, s.newEpoch
}

// State is the state to resume from: that of the Batcher after the batch
// Next last returned (not after the batch being prefetched).
func (p *Prefetcher) State() (epoch, pos int) { return p.epoch, p.pos }

// Close stops the goroutine and rewinds the Batcher to State, so that it
// continues with the batch that follows the last one Next returned.
func (p *Prefetcher) Close() {
	if p.closed {
		return
	}
	p.closed = true
	close(p.stop)
	<-p.done
	p.b.Restore(p.epoch, p.pos)
}
