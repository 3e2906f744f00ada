#!/bin/sh
# Runs the whole-model benchmarks, exp beside PyTorch, and prints a markdown
# table (issue 7). Budgets and settings come from the environment; see
# `bench/run.sh --help` or the top of bench/harness.py. Install PyTorch first
# with bench/torch/install.sh; build exp with `go build -o bin/exp ./cmd/exp`
# (its rows print n/a until then).
set -eu
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bench/harness.py "$@"
