// Package eval computes the evaluation metrics of DESIGN.md §5 from samples,
// features and labels: mode coverage on Gaussian mixtures (ScoreMixture),
// the Fréchet distance between Gaussian fits of features (FitGaussian,
// FrechetDistance: FID once the features are the reference classifier's),
// the label metrics (ClassKL, Agreement) and the Parzen-window
// log-likelihood of Goodfellow et al. 2014 (Parzen).
//
// It is pure computation over slices, in float64 wherever a sum decides a
// reported number: no graphs, no datasets, no files, no logging, no random
// numbers. Which classifier gives the features, which split gives the
// reference statistics and how samples are drawn is the runner's business
// (runner/evaluate.go, runner/reference.go).
package eval
