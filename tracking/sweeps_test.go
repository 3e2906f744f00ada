package tracking

import (
	"errors"
	"testing"
)

func TestSweeps(t *testing.T) {
	s := MustOpen(t)
	info := SweepInfo{Experiment: "dcgan_mnist", Source: "sweep {}", ConfigHash: "h1", Method: "grid",
		Target: "eval/fid", Goal: "minimize", Parallel: 2, NTrials: 4}
	id, err := s.CreateSweep(ctx, info)
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Sweep(ctx, id[:5])
	if err != nil {
		t.Fatal(err)
	}
	want := Sweep{ID: id, Experiment: info.Experiment, Source: info.Source, ConfigHash: "h1", Method: "grid",
		Target: "eval/fid", Goal: "minimize", Parallel: 2, NTrials: 4, Status: StatusRunning, Created: w.Created}
	if *w != want || w.Created.IsZero() {
		t.Errorf("Sweep = %+v, want %+v", *w, want)
	}

	// FindSweep returns the newest sweep of a config hash.
	newer, err := s.CreateSweep(ctx, info)
	if err != nil {
		t.Fatal(err)
	}
	if w, err := s.FindSweep(ctx, "h1"); err != nil || w.ID != newer {
		t.Errorf("FindSweep(h1) = %v, %v; want %s", w, err, newer)
	}
	if _, err := s.FindSweep(ctx, "h2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("FindSweep(h2): %v, want ErrNotFound", err)
	}

	if err := s.FinishSweep(ctx, id, StatusCompleted); err != nil {
		t.Fatal(err)
	}
	if w, _ := s.Sweep(ctx, id); w.Status != StatusCompleted || !w.Finished.After(w.Created) {
		t.Errorf("after FinishSweep: %+v", w)
	}
	if err := s.ReopenSweep(ctx, id); err != nil {
		t.Fatal(err)
	}
	if w, _ := s.Sweep(ctx, id); w.Status != StatusRunning || !w.Finished.IsZero() {
		t.Errorf("after ReopenSweep: %+v", w)
	}
	if err := s.FinishSweep(ctx, id, StatusRunning); !errors.Is(err, ErrInvalid) {
		t.Errorf("FinishSweep(running): %v, want ErrInvalid", err)
	}
	if err := s.FinishSweep(ctx, "ffffffffffff", StatusStopped); !errors.Is(err, ErrNotFound) {
		t.Errorf("FinishSweep of a missing sweep: %v, want ErrNotFound", err)
	}
	if err := s.ReopenSweep(ctx, "ffffffffffff"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ReopenSweep of a missing sweep: %v, want ErrNotFound", err)
	}
	if _, err := s.Sweep(ctx, "fff"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Sweep(fff): %v, want ErrNotFound", err)
	}

	if _, err := s.CreateSweep(ctx, SweepInfo{Method: "grid"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("sweep without experiment: %v, want ErrInvalid", err)
	}
	if _, err := s.CreateSweep(ctx, SweepInfo{ID: id, Experiment: "x"}); !errors.Is(err, ErrExists) {
		t.Errorf("taken sweep id: %v, want ErrExists", err)
	}
	if _, err := s.CreateSweep(ctx, SweepInfo{ID: "nothex", Experiment: "x"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad sweep id: %v, want ErrInvalid", err)
	}
}

func TestSweepPrefixAmbiguous(t *testing.T) {
	s := MustOpen(t)
	for _, id := range []string{"abcd00000001", "abcd00000002"} {
		if _, err := s.CreateSweep(ctx, SweepInfo{ID: id, Experiment: "e"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Sweep(ctx, "abcd"); !errors.Is(err, ErrAmbiguous) {
		t.Errorf("Sweep(abcd): %v, want ErrAmbiguous", err)
	}
	if _, err := s.Runs(ctx, Filter{SweepID: "abcd"}); !errors.Is(err, ErrAmbiguous) {
		t.Errorf("Runs(SweepID abcd): %v, want ErrAmbiguous", err)
	}
	if w, err := s.Sweep(ctx, "abcd00000002"); err != nil || w.ID != "abcd00000002" {
		t.Errorf("Sweep(full id) = %v, %v", w, err)
	}
}
