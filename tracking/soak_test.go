package tracking

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSoak runs several writer processes against one database while this
// process reads it: every row must arrive, none twice, and the file must
// stay sound. EXP_SOAK_SECONDS sets how long the writers write (default 2);
// EXP_SOAK_WRITERS how many there are (default 4). The rates it logs are for
// people; the test asserts only counts and integrity.
func TestSoak(t *testing.T) {
	seconds := envInt(t, "EXP_SOAK_SECONDS", 2)
	writers := envInt(t, "EXP_SOAK_WRITERS", 4)
	dir := t.TempDir()
	path := filepath.Join(dir, "exp.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	cmds, outs, release := startChildren(t, writers, "soak", dir,
		"EXP_TRACKING_DB="+path, "EXP_SOAK_SECONDS="+strconv.Itoa(seconds))

	// The reader polls until the writers are done; the count it sees may
	// only grow.
	done := make(chan struct{})
	var (
		wg                sync.WaitGroup
		polls, readErrors int
		lastCount         int
		firstReadErr      error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			var n int
			err := s.reader.QueryRow("SELECT count(*) FROM metrics").Scan(&n)
			if err == nil {
				_, err = s.Runs(context.Background(), Filter{Limit: 10})
			}
			polls++
			switch {
			case err != nil:
				readErrors++
				if firstReadErr == nil {
					firstReadErr = err
				}
			case n < lastCount:
				readErrors++
				if firstReadErr == nil {
					firstReadErr = fmt.Errorf("metric count went from %d down to %d", lastCount, n)
				}
			default:
				lastCount = n
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()

	start := time.Now()
	release()
	type result struct {
		run        string
		rows, txs  int
		maxLatency time.Duration
	}
	var results []result
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("writer %d: %v", i, err)
			continue
		}
		var r result
		var maxMS float64
		if _, err := fmt.Sscanf(strings.TrimSpace(outs[i].String()), "run=%s rows=%d txs=%d max_ms=%g",
			&r.run, &r.rows, &r.txs, &maxMS); err != nil {
			t.Errorf("writer %d printed %q: %v", i, outs[i].String(), err)
			continue
		}
		r.maxLatency = time.Duration(maxMS * float64(time.Millisecond))
		results = append(results, r)
	}
	elapsed := time.Since(start)
	close(done)
	wg.Wait()
	if t.Failed() {
		return
	}

	if readErrors > 0 {
		t.Errorf("reader: %d errors in %d polls; first: %v", readErrors, polls, firstReadErr)
	}
	total, txs := 0, 0
	var worst time.Duration
	for _, r := range results {
		total += r.rows
		txs += r.txs
		worst = max(worst, r.maxLatency)
		series, err := s.AllSeries(ctx, r.run)
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, ms := range series {
			got += len(ms)
		}
		if got != r.rows {
			t.Errorf("run %s: %d rows stored, writer logged %d", r.run, got, r.rows)
		}
		if run := mustRun(t, s, r.run); run.Status != StatusCompleted {
			t.Errorf("run %s: status %s", r.run, run.Status)
		}
	}
	if n := countRows(t, s, "metrics"); n != total || total == 0 {
		t.Errorf("%d metric rows stored, writers logged %d", n, total)
	}
	integrityOK(t, s)
	t.Logf("soak: %d writers for %ds: %d rows in %d transactions in %.1fs (%.0f rows/s, %.0f tx/s); "+
		"slowest transaction %.1f ms; reader %d polls, %d errors",
		writers, seconds, total, txs, elapsed.Seconds(), float64(total)/elapsed.Seconds(),
		float64(txs)/elapsed.Seconds(), float64(worst)/float64(time.Millisecond), polls, readErrors)
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// childSoak is one soak writer: it logs small batches of metric rows to a
// run of its own until its time is up, then prints what it wrote.
func childSoak() error {
	seconds, err := strconv.Atoi(os.Getenv("EXP_SOAK_SECONDS"))
	if err != nil {
		return err
	}
	s, err := Open(os.Getenv("EXP_TRACKING_DB"))
	if err != nil {
		return err
	}
	defer s.Close()
	if err := barrier(); err != nil {
		return err
	}
	ctx := context.Background()
	id, err := s.CreateRun(ctx, RunInfo{Experiment: "soak", Source: "soak", Host: "soak", PID: os.Getpid()})
	if err != nil {
		return err
	}
	const batch = 8
	names := []string{"train/loss", "train/kl", "train/recon"}
	start := time.Now()
	deadline := start.Add(time.Duration(seconds) * time.Second)
	rows, txs, step := 0, 0, 0
	var worst time.Duration
	ms := make([]Metric, 0, batch)
	for time.Now().Before(deadline) {
		ms = ms[:0]
		for len(ms) < batch {
			ms = append(ms, Metric{Name: names[step%len(names)], Step: step, Epoch: step / 1000,
				Value: float64(step), Wall: time.Since(start).Seconds()})
			step++
		}
		t := time.Now()
		if err := s.LogMetrics(ctx, id, ms); err != nil {
			return fmt.Errorf("after %d rows: %w", rows, err)
		}
		worst = max(worst, time.Since(t))
		rows += len(ms)
		txs++
		if txs%50 == 0 {
			if err := s.Heartbeat(ctx, id); err != nil {
				return err
			}
			txs++
		}
	}
	if err := s.FinishRun(ctx, id, StatusCompleted, ""); err != nil {
		return err
	}
	fmt.Printf("run=%s rows=%d txs=%d max_ms=%g\n", id, rows, txs+1, float64(worst)/float64(time.Millisecond))
	return nil
}
