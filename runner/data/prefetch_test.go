package data

import (
	"slices"
	"testing"
)

func TestPrefetcherMatchesBatcher(t *testing.T) {
	d := indexDataset(77)
	ref := NewBatcher(d, 9, 5, true) // 8 steps an epoch
	x := make([]float32, 18)
	y := make([]int32, 9)

	b := NewBatcher(d, 9, 5, true)
	p := NewPrefetcher(b, true)
	for s := range 30 {
		refFirst := ref.Next(x, y)
		px, py, first := p.Next()
		if !slices.Equal(px, x) || !slices.Equal(py, y) || first != refFirst {
			t.Fatalf("step %d: prefetched batch differs", s)
		}
		re, rp := ref.State()
		if e, pos := p.State(); e != re || pos != rp {
			t.Fatalf("step %d: state (%d, %d), batcher says (%d, %d)", s, e, pos, re, rp)
		}
	}
	// Close rewinds the batcher past the prefetched batch it never handed out.
	p.Close()
	for s := range 10 {
		ref.Next(x, y)
		bx := make([]float32, 18)
		b.Next(bx, nil)
		if !slices.Equal(bx, x) {
			t.Fatalf("after Close, step %d differs", s)
		}
	}
	p.Close() // twice is harmless
}

func TestPrefetcherResumes(t *testing.T) {
	d := indexDataset(40)
	ref := NewPrefetcher(NewBatcher(d, 4, 1, true), false)
	defer ref.Close()
	var want [][]float32
	var at [2]int
	for s := range 25 {
		if s == 13 {
			at[0], at[1] = ref.State()
		}
		x, y, _ := ref.Next()
		if y != nil {
			t.Fatal("labels delivered without being asked for")
		}
		want = append(want, slices.Clone(x))
	}
	b := NewBatcher(d, 4, 1, true)
	b.Restore(at[0], at[1])
	p := NewPrefetcher(b, false)
	defer p.Close()
	for s := 13; s < 25; s++ {
		if x, _, _ := p.Next(); !slices.Equal(x, want[s]) {
			t.Fatalf("resumed at 13: step %d differs", s)
		}
	}
}

func TestPrefetcherNextDoesNotAllocate(t *testing.T) {
	p := NewPrefetcher(NewBatcher(indexDataset(1000), 32, 1, true), true)
	defer p.Close()
	p.Next() // start-up
	// Counts the filling goroutine's allocations too (they are process-wide).
	if a := testing.AllocsPerRun(200, func() { p.Next() }); a != 0 {
		t.Errorf("Next allocates %v times a call", a)
	}
}
