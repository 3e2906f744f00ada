//go:build openblas

package graph

// #cgo LDFLAGS: -lopenblas
// void openblas_set_num_threads(int);
// int openblas_get_num_threads(void);
import "C"

import (
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/netlib/blas/netlib"
)

// The openblas build links Debian's libopenblas through gonum's netlib
// bindings; the cgo directive above supplies the link flag netlib needs.
func init() {
	blas32.Use(netlib.Implementation{})
	backend = "openblas (cgo, gonum/netlib)"
}

func setThreads(n int) { C.openblas_set_num_threads(C.int(n)) }
func threads() int     { return int(C.openblas_get_num_threads()) }
