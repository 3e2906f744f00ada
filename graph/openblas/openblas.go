//go:build openblas

// Package openblas links Debian's libopenblas into exp's graph package as
// gonum's blas32 implementation (through gonum/netlib). It is a package of
// its own because Go forbids Go assembly in a package that uses cgo, and
// graph has assembly kernels.
package openblas

// #cgo LDFLAGS: -lopenblas
// void openblas_set_num_threads(int);
// int openblas_get_num_threads(void);
import "C"

import (
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/netlib/blas/netlib"
)

func init() { blas32.Use(netlib.Implementation{}) }

// SetThreads sets OpenBLAS's thread count.
func SetThreads(n int) { C.openblas_set_num_threads(C.int(n)) }

// Threads reports OpenBLAS's thread count.
func Threads() int { return int(C.openblas_get_num_threads()) }
