package runner

// Temporary measurement helpers for issue 7 (perf session); removed before commit.

import "testing"

func BenchmarkZZDCGANNoFID(b *testing.B) { benchSteps(b, "/tmp/dcgan_nofid.hcl", nil) }
