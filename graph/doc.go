// Package graph is exp's compute engine: float32 tensors, a static DAG of ops
// built once, and reverse-mode autodiff over it.
//
// Vocabulary:
//   - A Node is a value in the DAG: an input (fed per batch), a parameter
//     (trained, owned by the Graph) or the result of an Op.
//   - Activation shapes are per example; the batch dimension is symbolic until
//     a Workspace is made for a batch size. Parameter shapes are full.
//   - A Workspace holds every activation and activation gradient of one
//     forward/backward pass for one batch size. Several workspaces of one Graph
//     share its parameters, and their backward passes accumulate into the same
//     parameter gradients (a discriminator sees a real and a fake batch).
//
// Invariants:
//   - Buffers are allocated when a Workspace is made; Forward and Backward do
//     not allocate.
//   - Backward accumulates (+=) into every gradient it touches; a node read by
//     two consumers receives the sum of both contributions. Activation
//     gradients are zeroed by Forward; parameter gradients only by ZeroGrad
//     or by the optimizer update that reads them (AdamUpdateZero).
//   - A wrong shape inside graph is a programming error and panics with
//     "graph: ...". User errors are caught earlier, in runner.Compile.
//   - Results are a deterministic function of inputs, parameters and the
//     random streams handed in; no map order or goroutine race reaches a number.
//     Large GEMMs, convolutions, optimizer passes and im2col run in parts on
//     worker goroutines (threads.go); the cut changes no sum, so results do
//     not depend on the thread count either.
//   - Elementwise kernels have a scalar reference and AVX2 versions that
//     match it bit for bit (kernels.go). Convolutions with 16 or more
//     channels on both sides run direct (conv_direct.go), through an FMA
//     tile kernel whose scalar reference rounds differently; the others
//     through column matrices and the BLAS.
//
// graph knows nothing of HCL, layers or training; it never logs.
package graph
