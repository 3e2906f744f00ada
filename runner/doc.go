// Package runner turns a decoded experiment into trained models: Compile
// checks shapes across layers and models and builds the graphs; Train runs
// the objective's steps with its optimizers, evaluates, samples, checkpoints
// and records everything through tracking.
//
// Random numbers come from streams derived from the run seed per purpose
// (see rng.go), so evaluating or sampling more often never changes training.
// runner logs through the zerolog.Logger it is given; it never prints.
//
// Subpackages: data (datasets and batching), img (PNG grids), eval (metrics).
package runner
