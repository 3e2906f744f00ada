// Package eval computes the evaluation metrics of DESIGN.md §5 from samples
// and features: mode coverage on Gaussian mixtures and (later) the
// classifier-based MNIST metrics. It is pure computation over slices: no
// graphs, no files, no logging.
package eval
