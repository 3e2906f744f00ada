//go:build openblas

// Package openblas links Debian's libopenblas into exp's graph package as
// gonum's blas32 implementation (through gonum/netlib). It is a package of
// its own because Go forbids Go assembly in a package that uses cgo, and
// graph has assembly kernels.
package openblas

// #cgo LDFLAGS: -lopenblas
// #include <stdlib.h>
// void openblas_set_num_threads(int);
// int openblas_get_num_threads(void);
// void openblas_read_env(void);
// void blas_thread_shutdown_(void);
// int blas_thread_init(void);
//
// // OpenBLAS starts its threads when it is loaded, and they spin for
// // 2^28 cycles after each job unless OPENBLAS_THREAD_TIMEOUT says
// // otherwise; spinning, they take a core from the Go work that follows a
// // product. Restart them with the shortest wait (2^4 cycles) unless the
// // user chose one.
// static void exp_quiet_threads(void) {
// 	if (getenv("OPENBLAS_THREAD_TIMEOUT") != NULL) return;
// 	setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0);
// 	openblas_read_env();
// 	blas_thread_shutdown_();
// 	blas_thread_init();
// }
import "C"

import (
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/netlib/blas/netlib"
)

func init() {
	C.exp_quiet_threads()
	blas32.Use(netlib.Implementation{})
}

// SetThreads sets OpenBLAS's thread count.
func SetThreads(n int) { C.openblas_set_num_threads(C.int(n)) }

// Threads reports OpenBLAS's thread count.
func Threads() int { return int(C.openblas_get_num_threads()) }
