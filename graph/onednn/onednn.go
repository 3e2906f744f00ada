//go:build openblas

// Package onednn reaches oneDNN's sgemm in Debian's libdnnl2 (the library
// under PyTorch's convolutions), which exp's fast build uses for its largest
// products: on DCGAN's and the VAE's shapes it ran 15-30% faster than
// OpenBLAS on two threads, and unlike OpenBLAS's its sums came out the same
// on one thread and on two. It is opened at run time (dlopen), after
// OMP_WAIT_POLICY=passive is set unless the user chose a wait policy:
// libgomp reads it once, when it is loaded, and its default spins a core
// for milliseconds after each product, a core the Go work that follows
// needs. Without the library exp keeps OpenBLAS for every product.
package onednn

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

typedef int (*exp_sgemm_fn)(char, char, int64_t, int64_t, int64_t, float,
	const float *, int64_t, const float *, int64_t, float, float *, int64_t);
typedef void (*exp_set_threads_fn)(int);

static exp_sgemm_fn exp_sgemm_p;
static exp_set_threads_fn exp_set_threads_p;

static int exp_onednn_open(void) {
	if (getenv("OMP_WAIT_POLICY") == NULL && getenv("GOMP_SPINCOUNT") == NULL)
		setenv("OMP_WAIT_POLICY", "passive", 0);
	void *d = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
	if (d == NULL)
		return 0;
	exp_sgemm_p = (exp_sgemm_fn)dlsym(d, "dnnl_sgemm");
	void *g = dlopen("libgomp.so.1", RTLD_NOW | RTLD_LOCAL);
	if (g != NULL)
		exp_set_threads_p = (exp_set_threads_fn)dlsym(g, "omp_set_num_threads");
	return exp_sgemm_p != NULL && exp_set_threads_p != NULL;
}

// The thread count is libgomp's per calling thread: set it on each call.
static int exp_onednn_sgemm(int threads, char ta, char tb, int64_t m, int64_t n, int64_t k,
	float alpha, const float *a, int64_t lda, const float *b, int64_t ldb,
	float beta, float *c, int64_t ldc) {
	exp_set_threads_p(threads);
	return exp_sgemm_p(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
*/
import "C"

import "fmt"

var available = C.exp_onednn_open() != 0

// Available reports whether libdnnl.so.2 and libgomp.so.1 were found.
func Available() bool { return available }

// Sgemm computes C = alpha·op(A)·op(B) + beta·C on row-major slices on the
// given number of threads; m, n and k are positive and the slices hold
// their matrices.
func Sgemm(threads int, tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := C.char('N'), C.char('N')
	if tA {
		ta = 'T'
	}
	if tB {
		tb = 'T'
	}
	st := C.exp_onednn_sgemm(C.int(threads), ta, tb, C.int64_t(m), C.int64_t(n), C.int64_t(k), C.float(alpha),
		(*C.float)(&a[0]), C.int64_t(lda), (*C.float)(&b[0]), C.int64_t(ldb), C.float(beta), (*C.float)(&c[0]), C.int64_t(ldc))
	if st != 0 {
		panic(fmt.Sprintf("onednn: dnnl_sgemm status %d for %c%c %dx%dx%d", int(st), ta, tb, m, n, k))
	}
}
