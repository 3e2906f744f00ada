// Package img writes the images a run records: grids of samples and
// reconstructions, and scatter plots of 2-D samples over a mixture's modes.
//
// It owns: tiling CHW float images into a PNG grid (2-pixel padding, values
// mapped linearly from [lo, hi] to 0..255 and clamped), the scatter plot
// (gonum/plot), writing files atomically (a temporary file in the same
// folder, fsync, rename, fsync of the folder), and SHA256File, the one place
// artifacts are hashed.
//
// It refuses: choosing file names or folders (the runner does), knowing about
// datasets, tensors or the store, and logging.
package img
