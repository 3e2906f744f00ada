// Package data loads the datasets an experiment declares and cuts them into
// batches.
//
// It owns: decoding MNIST (from the GoMNIST Go module, SHA-256 pinned), user
// IDX, CSV and PNG-folder datasets, sampling the 2-D Gaussian mixtures used to
// study mode collapse, scaling byte-valued pixels ("unit", "tanh",
// "binarize"), a checksum per dataset for provenance, and the deterministic,
// resumable Batcher. (Batches are not prefetched in another goroutine: a
// batch costs about 0.1 ms to fill against steps of 2-130 ms, handing a
// prefetched one over would cost a copy of the same size, and both cores
// are already busy with the step.)
//
// It refuses: downloading from anywhere but the Go module proxy through the go
// command, knowing about HCL, tensors or the store, resolving relative paths
// (the runner resolves them against the experiment file's folder first), and
// logging.
//
// Invariants:
//   - A Dataset holds N examples of Size() values each, row-major: float32 in
//     Dataset.X for float-valued sources, or, for byte-valued ones (mnist,
//     images, idx of uint8), the raw bytes and the scale's 256-entry table,
//     X being nil. CopyRows and Floats read either; converting a byte through
//     the table gives exactly the float the scale gives. Labels, when
//     present, has N entries in [0, NumClasses).
//   - The order of epoch e is a function of (seed, e) only, so a Batcher's
//     whole state is (epoch, pos).
//   - Datasets are read-only once loaded; Batchers over the same Dataset
//     may run in different goroutines.
//
// Checksums are lowercase hexadecimal SHA-256. A source that is one file is
// summed as that file's bytes (what sha256sum prints). A source of several
// files is summed as a manifest: SHA-256 of the lines "NAME\x00HEX\n", one per
// file in load order, NAME being "images"/"labels" for IDX pairs (MNIST
// included) and the path relative to the folder for PNG folders. A generated
// mixture is summed as its canonical parameter string (see mixtureChecksum).
// Checksums identify the source; scale and limit are recorded by the
// experiment file, not folded in here.
package data
