# Pix2PixZoo — the two commands: `make demo` and `make test`. Each bootstraps what it needs.
#
# One build configuration serves tests, the demo and the docs, so nothing is rebuilt when switching
# between them: release, with testable imports (any change of flags, -enable-testing included,
# rebuilds every module). Benchmarks use a separate, pristine release build in .build-bench.

SWIFT        ?= swift
BUILD_FLAGS  := -c release -Xswiftc -enable-testing
BIN          := .build/release/pix2pix
BENCH_BIN    := .build-bench/release/pix2pix

.PHONY: all bootstrap build test demo bench bench-compare docs clean

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build $(BUILD_FLAGS) --build-tests -q

test: build
	$(SWIFT) test $(BUILD_FLAGS) --skip-build --disable-xctest
	scripts/check_plugin.sh $(BIN)
	python3 scripts/check_package_deps.py

demo: bootstrap
	$(SWIFT) build $(BUILD_FLAGS) --product pix2pix -q
	$(BIN) demo

bench: bootstrap
	$(SWIFT) build -c release --scratch-path .build-bench --product pix2pix -q
	$(BENCH_BIN) bench ops

# Ours and PyTorch's pix2pix step, alternately in one run, with the ratios (benchmarks/bench_compare.py).
# torch comes from BENCH_PYTHON when it imports torch, else from a throwaway venv (.venv-bench, CPU wheels).
BENCH_PYTHON ?= python3
BENCH_VENV   := .venv-bench
BENCH_ARGS   ?=

bench-compare: bootstrap
	$(SWIFT) build -c release --scratch-path .build-bench --product pix2pix -q
	@if $(BENCH_PYTHON) -c 'import torch' 2>/dev/null; then \
	  echo "torch: $$($(BENCH_PYTHON) -c 'import torch; print(torch.__version__)') from $(BENCH_PYTHON)"; \
	  py=$(BENCH_PYTHON); \
	else \
	  if ! $(BENCH_VENV)/bin/python -c 'import torch' 2>/dev/null; then \
	    echo "installing torch (CPU) into $(BENCH_VENV)"; \
	    python3 -m venv $(BENCH_VENV) && \
	    ( $(BENCH_VENV)/bin/pip install -q torch --index-url https://download.pytorch.org/whl/cpu || \
	      $(BENCH_VENV)/bin/pip install -q torch ) || exit 1; \
	  fi; \
	  py=$(BENCH_VENV)/bin/python; \
	fi; \
	$$py benchmarks/bench_compare.py --pix2pix $(BENCH_BIN) --python $$py $(BENCH_ARGS)

docs: bootstrap
	PIX2PIX_DOCS=1 $(SWIFT) package --allow-writing-to-directory ./site generate-documentation \
	  --target Pix2PixZoo --target Base --target Tensor --target NN --target Checkpoint --target Imaging \
	  --target Reports --target Pix2Pix --target Zoo --enable-experimental-combined-documentation \
	  --output-path ./site
	@echo "documentation written to ./site"

clean:
	rm -rf .build .build-bench site
