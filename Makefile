# exp — see README.md. `make run` builds exp and trains the main example;
# `make test` runs every test. Both install what they need first.

GO        ?= go
BIN       := bin/exp
# The fast path: OpenBLAS through cgo. `make BLAS=gonum ...` builds the
# pure-Go fallback, which needs nothing but Go.
BLAS      ?= openblas
TAGS      := $(if $(filter openblas,$(BLAS)),-tags openblas,)
EXAMPLE   ?= experiments/vae_mnist.hcl

.PHONY: all setup build run test test-short bench lint deps fmt clean

all: build

# setup installs the system packages exp needs (Debian): OpenBLAS for the
# fast BLAS backend. It does nothing when they are present.
setup:
	@./.ci/setup

build: setup
	$(GO) build $(TAGS) -o $(BIN) ./cmd/exp

# run trains the main example on MNIST into ./exp.db and ./runs/.
run: build
	./$(BIN) run $(EXAMPLE)

# test runs every package's tests with the fast backend, then the numeric
# core again on the pure-Go fallback without the assembly kernels (what a
# machine other than x86-64 runs) so both stay correct.
test: setup deps
	$(GO) vet $(TAGS) ./...
	$(GO) test $(TAGS) -timeout 20m ./...
	$(GO) test -tags noasm -timeout 10m ./graph/... ./layers/...
	/usr/bin/python3 -m unittest discover -s bench -p 'test_*.py'

bench: build
	./bench/run.sh

# deps fails when a package imports against the direction of DESIGN.md §1.
deps:
	@./.ci/check-imports

lint: deps
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet $(TAGS) ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
