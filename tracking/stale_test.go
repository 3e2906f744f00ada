package tracking

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"=exit")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestProcessAlive(t *testing.T) {
	if !processAlive(os.Getpid()) {
		t.Error("this process is not alive")
	}
	if !processAlive(1) {
		t.Error("pid 1 is not alive (EPERM must count as alive)")
	}
	if pid := deadPID(t); processAlive(pid) {
		t.Errorf("exited child %d is alive", pid)
	}
	if processAlive(0) || processAlive(-1) {
		t.Error("pid 0 or -1 is alive")
	}
}

func TestMarkStale(t *testing.T) {
	s := MustOpen(t)
	now := t0
	s.Now = func() time.Time { return now }
	s.host = "here"
	dead := deadPID(t)

	at := func(d time.Duration) { now = t0.Add(d) }
	at(0)
	old := mustCreate(t, s, RunInfo{Experiment: "e", Host: "elsewhere", PID: 1}) // heartbeat stops at t0
	fresh := mustCreate(t, s, RunInfo{Experiment: "e", Host: "elsewhere", PID: 1})
	gone := mustCreate(t, s, RunInfo{Experiment: "e", Host: "here", PID: dead})
	goneElsewhere := mustCreate(t, s, RunInfo{Experiment: "e", Host: "elsewhere", PID: dead})
	alive := mustCreate(t, s, RunInfo{Experiment: "e", Host: "here", PID: os.Getpid()})
	done := mustCreate(t, s, RunInfo{Experiment: "e", Host: "here", PID: dead})
	if err := s.FinishRun(ctx, done, StatusCompleted, ""); err != nil {
		t.Fatal(err)
	}
	at(9 * time.Minute)
	for _, id := range []string{fresh, gone, goneElsewhere, alive} {
		if err := s.Heartbeat(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	at(10 * time.Minute)

	n, err := s.MarkStale(ctx, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("MarkStale marked %d runs, want 2", n)
	}
	for id, want := range map[string]string{old: StatusInterrupted, gone: StatusInterrupted,
		fresh: StatusRunning, goneElsewhere: StatusRunning, alive: StatusRunning, done: StatusCompleted} {
		if r := mustRun(t, s, id); r.Status != want {
			t.Errorf("run %s: status %s, want %s", id, r.Status, want)
		}
	}
	r := mustRun(t, s, old)
	if !r.Finished.Equal(t0) || !strings.Contains(r.Error, "no heartbeat") {
		t.Errorf("stale run: finished %v (want its last heartbeat %v), error %q", r.Finished, t0, r.Error)
	}
	r = mustRun(t, s, gone)
	if !r.Finished.Equal(t0.Add(9*time.Minute)) || !strings.Contains(r.Error, "is gone") {
		t.Errorf("gone run: finished %v, error %q", r.Finished, r.Error)
	}

	// Again: nothing left to mark. d <= 0 checks processes only.
	if n, err := s.MarkStale(ctx, 5*time.Minute); err != nil || n != 0 {
		t.Errorf("second MarkStale: %d, %v", n, err)
	}
	at(time.Hour)
	if n, err := s.MarkStale(ctx, 0); err != nil || n != 0 {
		t.Errorf("MarkStale(0) an hour later: %d, %v; want 0 (no age test)", n, err)
	}
	s.alive = func(int) bool { return false }
	if n, err := s.MarkStale(ctx, 0); err != nil || n != 1 {
		t.Errorf("MarkStale(0) with every process dead: %d, %v; want 1 (the run on this host)", n, err)
	}
}
