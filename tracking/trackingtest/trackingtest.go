// Package trackingtest helps other packages' tests use a tracking.Store.
package trackingtest

import (
	"path/filepath"
	"testing"

	"github.com/exp-ml/exp/tracking"
)

// MustOpen opens a fresh store in a file under tb.TempDir and closes it
// when the test ends.
func MustOpen(tb testing.TB) *tracking.Store {
	tb.Helper()
	s, err := tracking.Open(filepath.Join(tb.TempDir(), "exp.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}
