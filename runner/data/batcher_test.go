package data

import (
	"slices"
	"testing"
)

// indexDataset has example i = [i, -i] and label i%7, so a batch names the
// examples it holds.
func indexDataset(n int) *Dataset {
	d := &Dataset{Name: "idx", N: n, Shape: []int{2}, X: make([]float32, 2*n), Labels: make([]int32, n), NumClasses: 7}
	for i := range n {
		d.X[2*i], d.X[2*i+1] = float32(i), -float32(i)
		d.Labels[i] = int32(i % 7)
	}
	return d
}

// epochOrder runs one epoch and returns the example indices in order,
// checking that x and y agree with them.
func epochOrder(t *testing.T, b *Batcher) []int {
	t.Helper()
	x := make([]float32, b.BatchSize()*2)
	y := make([]int32, b.BatchSize())
	var order []int
	for s := range b.StepsPerEpoch() {
		if first := b.Next(x, y); first != (s == 0) {
			t.Fatalf("step %d: newEpoch %t", s, first)
		}
		for k := range b.BatchSize() {
			i := int(x[2*k])
			if x[2*k+1] != -float32(i) || y[k] != int32(i%7) {
				t.Fatalf("example %d came with %v and label %d", i, x[2*k+1], y[k])
			}
			order = append(order, i)
		}
	}
	return order
}

func TestBatcherEpochs(t *testing.T) {
	const n, batch = 103, 10 // 3 dropped per epoch
	d := indexDataset(n)
	b := NewBatcher(d, batch, 42, true)
	if b.StepsPerEpoch() != 10 {
		t.Fatalf("steps %d, want 10", b.StepsPerEpoch())
	}
	e0 := epochOrder(t, b)
	e1 := epochOrder(t, b)
	for e, order := range [][]int{e0, e1} {
		seen := make([]bool, n)
		for _, i := range order {
			if seen[i] {
				t.Fatalf("epoch %d: example %d twice", e, i)
			}
			seen[i] = true
		}
		if len(order) != 100 {
			t.Fatalf("epoch %d: %d examples", e, len(order))
		}
	}
	if slices.Equal(e0, e1) {
		t.Error("epochs 0 and 1 have the same order")
	}
	if ep, pos := b.State(); ep != 1 || pos != 10 {
		t.Errorf("state after two epochs (%d, %d), want (1, 10)", ep, pos)
	}

	again := NewBatcher(d, batch, 42, true)
	if !slices.Equal(epochOrder(t, again), e0) || !slices.Equal(epochOrder(t, again), e1) {
		t.Error("same seed, different order")
	}
	other := NewBatcher(d, batch, 43, true)
	if slices.Equal(epochOrder(t, other), e0) {
		t.Error("other seed, same order")
	}
	// Over many epochs every example is dropped sometimes: no fixed tail.
	dropped := make([]bool, n)
	for range 40 {
		kept := make([]bool, n)
		for _, i := range epochOrder(t, other) {
			kept[i] = true
		}
		for i, k := range kept {
			dropped[i] = dropped[i] || !k
		}
	}
	if c := count(dropped); c < n/2 {
		t.Errorf("only %d distinct examples dropped in 40 epochs", c)
	}

	plain := NewBatcher(d, batch, 42, false)
	for range 2 {
		if o := epochOrder(t, plain); !slices.Equal(o, seq(100)) {
			t.Fatalf("unshuffled order %v", o)
		}
	}
}

func TestBatcherRestore(t *testing.T) {
	d := indexDataset(50)
	ref := NewBatcher(d, 8, 9, true) // 6 steps an epoch
	x := make([]float32, 16)
	y := make([]int32, 8)
	var want [][]float32
	var states [][2]int
	for range 20 {
		e, p := ref.State()
		states = append(states, [2]int{e, p})
		ref.Next(x, y)
		want = append(want, slices.Clone(x))
	}
	for _, at := range []int{0, 3, 6, 7, 12, 19} {
		b := NewBatcher(d, 8, 9, true)
		b.Restore(states[at][0], states[at][1])
		for s := at; s < len(want); s++ {
			first := b.Next(x, nil)
			if !slices.Equal(x, want[s]) {
				t.Fatalf("restored at step %d: step %d differs", at, s)
			}
			if first != (s%6 == 0) {
				t.Fatalf("restored at step %d: step %d newEpoch %t", at, s, first)
			}
		}
	}
	// The end of an epoch and the start of the next are the same place.
	a, b := NewBatcher(d, 8, 9, true), NewBatcher(d, 8, 9, true)
	a.Restore(2, 6)
	b.Restore(3, 0)
	xa, xb := make([]float32, 16), make([]float32, 16)
	if a.Next(xa, nil) != b.Next(xb, nil) || !slices.Equal(xa, xb) {
		t.Error("(2, steps) and (3, 0) differ")
	}
}

func TestBatcherNextDoesNotAllocate(t *testing.T) {
	d := indexDataset(1000)
	b := NewBatcher(d, 32, 1, true)
	x := make([]float32, 64)
	y := make([]int32, 32)
	// 31 steps an epoch: 200 runs cross several epoch boundaries.
	if a := testing.AllocsPerRun(200, func() { b.Next(x, y) }); a != 0 {
		t.Errorf("Next allocates %v times a call", a)
	}
}

func TestBatcherPanicsOnMisuse(t *testing.T) {
	d := indexDataset(10)
	unlabelled := &Dataset{N: 10, Shape: []int{2}, X: make([]float32, 20)}
	for name, f := range map[string]func(){
		"batch > N":    func() { NewBatcher(d, 11, 0, true) },
		"batch 0":      func() { NewBatcher(d, 0, 0, true) },
		"short x":      func() { NewBatcher(d, 2, 0, true).Next(make([]float32, 3), nil) },
		"no labels":    func() { NewBatcher(unlabelled, 2, 0, true).Next(make([]float32, 4), make([]int32, 2)) },
		"restore past": func() { NewBatcher(d, 2, 0, true).Restore(0, 6) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestUniformIsUnbiased(t *testing.T) {
	b := NewBatcher(indexDataset(3), 1, 5, true)
	var counts [3]int
	b.pcg.Seed(1, 2)
	for range 30000 {
		counts[uniform(&b.pcg, 3)]++
	}
	for k, c := range counts {
		if c < 9700 || c > 10300 { // ±5.8 standard deviations
			t.Errorf("value %d drawn %d of 30000 times", k, c)
		}
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func count(b []bool) int {
	c := 0
	for _, v := range b {
		if v {
			c++
		}
	}
	return c
}

var sinkNew bool

// BenchmarkBatcherNext gathers shuffled MNIST-sized batches (128 × 784).
func BenchmarkBatcherNext(b *testing.B) {
	d := &Dataset{N: 60000, Shape: []int{784}, X: make([]float32, 60000*784), Labels: make([]int32, 60000)}
	bt := NewBatcher(d, 128, 1, true)
	x, y := make([]float32, 128*784), make([]int32, 128)
	b.SetBytes(128 * 784 * 4)
	for b.Loop() {
		sinkNew = bt.Next(x, y)
	}
}

// BenchmarkBatcherNextBytes is BenchmarkBatcherNext over byte-stored pixels,
// each converted through the scale's table as it is copied.
func BenchmarkBatcherNextBytes(b *testing.B) {
	d := &Dataset{N: 60000, Shape: []int{784}, raw: make([]byte, 60000*784), table: byteTable(func(v float64) float32 { return float32(v / 255) }), Labels: make([]int32, 60000)}
	bt := NewBatcher(d, 128, 1, true)
	x, y := make([]float32, 128*784), make([]int32, 128)
	b.SetBytes(128 * 784 * 4)
	for b.Loop() {
		sinkNew = bt.Next(x, y)
	}
}
