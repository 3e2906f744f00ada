package data

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
)

// Batcher cuts a dataset into batches, epoch after epoch. Epochs count from
// 0; the order of epoch e is a Fisher–Yates permutation driven by a PCG
// seeded with (seed, e) (the identity when shuffling is off), so the whole
// state is (epoch, pos), pos being the number of batches already taken from
// the epoch. The last N mod batch examples of each epoch's order are dropped.
// A Batcher is not safe for concurrent use.
type Batcher struct {
	d       *Dataset
	batch   int
	size    int
	steps   int
	seed    uint64
	shuffle bool

	epoch, pos int
	permEpoch  int // the epoch perm holds, -1 for none
	perm       []int32
	pcg        rand.PCG
}

// NewBatcher returns a Batcher at epoch 0, position 0. It panics if batch is
// not positive or exceeds the dataset: the runner checks sizes first.
func NewBatcher(d *Dataset, batch int, seed uint64, shuffle bool) *Batcher {
	if batch < 1 || batch > d.N {
		panic(fmt.Sprintf("data: batch size %d for dataset %q of %d examples", batch, d.Name, d.N))
	}
	if d.N > math.MaxInt32 {
		panic(fmt.Sprintf("data: dataset %q has %d examples, more than a Batcher indexes", d.Name, d.N))
	}
	return &Batcher{
		d:         d,
		batch:     batch,
		size:      d.Size(),
		steps:     d.N / batch,
		seed:      seed,
		shuffle:   shuffle,
		permEpoch: -1,
		perm:      make([]int32, d.N),
	}
}

// StepsPerEpoch is the number of batches in an epoch, floor(N / batch).
func (b *Batcher) StepsPerEpoch() int { return b.steps }

// BatchSize is the number of examples per batch.
func (b *Batcher) BatchSize() int { return b.batch }

// Dataset is the dataset being batched.
func (b *Batcher) Dataset() *Dataset { return b.d }

// State is where the next batch comes from: batch pos of epoch epoch. After
// the last batch of an epoch pos equals StepsPerEpoch.
func (b *Batcher) State() (epoch, pos int) { return b.epoch, b.pos }

// Restore moves to a state State returned; the batches that follow are the
// ones that followed then.
func (b *Batcher) Restore(epoch, pos int) {
	if epoch < 0 || pos < 0 || pos > b.steps {
		panic(fmt.Sprintf("data: restore to epoch %d position %d (an epoch has %d batches)", epoch, pos, b.steps))
	}
	b.epoch, b.pos = epoch, pos
}

// Next copies the next batch into x (BatchSize()*Size() floats) and, if y is
// not nil, its labels into y (BatchSize() entries). It reports whether the
// batch is the first of its epoch, the very first batch included. It does
// not allocate.
func (b *Batcher) Next(x []float32, y []int32) (newEpoch bool) {
	if len(x) != b.batch*b.size {
		panic(fmt.Sprintf("data: Next got %d floats for a batch of %d examples of %d", len(x), b.batch, b.size))
	}
	if y != nil && (len(y) != b.batch || b.d.Labels == nil) {
		panic(fmt.Sprintf("data: Next got %d labels for a batch of %d (dataset %q labelled: %t)", len(y), b.batch, b.d.Name, b.d.Labels != nil))
	}
	if b.pos == b.steps {
		b.epoch++
		b.pos = 0
	}
	if b.permEpoch != b.epoch {
		b.permute()
	}
	idx := b.perm[b.pos*b.batch : (b.pos+1)*b.batch]
	for k, i := range idx {
		b.d.copyRows(x[k*b.size:(k+1)*b.size], int(i)*b.size)
		if y != nil {
			y[k] = b.d.Labels[i]
		}
	}
	newEpoch = b.pos == 0
	b.pos++
	return newEpoch
}

// permute draws the order of the current epoch.
func (b *Batcher) permute() {
	for i := range b.perm {
		b.perm[i] = int32(i)
	}
	if b.shuffle {
		b.pcg.Seed(b.seed, uint64(b.epoch))
		for i := len(b.perm) - 1; i > 0; i-- {
			j := uniform(&b.pcg, uint64(i+1))
			b.perm[i], b.perm[j] = b.perm[j], b.perm[i]
		}
	}
	b.permEpoch = b.epoch
}

// uniform draws from [0, n) without bias (Lemire's multiply-and-reject). It
// is written out rather than taken from rand.Rand so that the order depends
// only on the PCG's documented output.
func uniform(p *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(p.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(p.Uint64(), n)
		}
	}
	return hi
}
