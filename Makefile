# Pix2PixZoo — the two commands: `make demo` and `make test`. Each bootstraps what it needs.
#
# One build configuration serves tests, the demo and the docs, so nothing is rebuilt when switching
# between them: release, with testable imports (any change of flags, -enable-testing included,
# rebuilds every module). Benchmarks use a separate, pristine release build in .build-bench. The
# libFuzzer targets (Tests/Fuzz) build into .build-fuzz with address sanitizer and fuzzer coverage;
# `make test` runs each briefly on its committed seeds.

SWIFT        ?= swift
BUILD_FLAGS  := -c release -Xswiftc -enable-testing
BIN          := .build/release/pix2pix
BENCH_BIN    := .build-bench/release/pix2pix

.PHONY: all bootstrap build test demo serve bench bench-compare docs clean fuzz fuzz-build fuzz-smoke

# Fuzzing (scripts/fuzz.sh): `make fuzz` runs every target FUZZ_SECONDS (new inputs kept in
# .build-fuzz/corpus, reproducers in .build-fuzz/crashes); `make test` runs each FUZZ_SMOKE_SECONDS on the
# committed seeds.
FUZZ_BIN           := .build-fuzz/release/pix2pix-fuzz
FUZZ_TARGETS       := checkpoint json architecture image hdf5 pth
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_SMOKE_TARGETS ?= checkpoint json architecture image hdf5 pth
# Targets with an open finding have their seeds replayed without mutation instead (none at present;
# hdf5 was one until its group structures were checked before libhdf5 reads them, Tests/Fuzz/README.md).
FUZZ_REPLAY_TARGETS ?=

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build $(BUILD_FLAGS) --build-tests -q

test: build
	$(SWIFT) test $(BUILD_FLAGS) --skip-build --disable-xctest
	scripts/check_plugin.sh $(BIN)
	python3 scripts/check_package_deps.py
	$(MAKE) fuzz-smoke

# Address sanitizer plus libFuzzer's coverage (what -sanitize=fuzzer instruments), linked with libFuzzer's
# no-main library: SwiftPM points an executable's `main` at the module's own entry (--defsym), which would
# clash with libFuzzer's main under -sanitize=fuzzer; Tests/Fuzz/Pix2PixFuzz/main.swift calls the driver.
FUZZER_LIB := $(firstword $(wildcard $(dir $(realpath $(shell command -v $(SWIFT))))../lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a))

fuzz-build: bootstrap
	@[ -n "$(FUZZER_LIB)" ] || { echo "fuzz: the toolchain has no libclang_rt.fuzzer_no_main (a swift.org Linux toolchain has it)" >&2; exit 1; }
	@# The build's own exit status decides (a pipe into grep alone would hide a failed build and fuzz a stale binary).
	bash -o pipefail -c 'PIX2PIX_FUZZ=1 $(SWIFT) build -c release --scratch-path .build-fuzz --product pix2pix-fuzz -q \
	  -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,indirect-calls,trace-cmp,inline-8bit-counters,pc-table \
	  -Xlinker $(FUZZER_LIB) -Xlinker -lstdc++ 2>&1 | { grep -v "Cannot export local symbol" || true; }'
	PIX2PIX_FUZZ=1 python3 scripts/check_package_deps.py

fuzz: fuzz-build
	scripts/fuzz.sh $(FUZZ_BIN) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	scripts/fuzz.sh --smoke $(FUZZ_BIN) $(FUZZ_SMOKE_SECONDS) $(FUZZ_SMOKE_TARGETS)
	$(if $(strip $(FUZZ_REPLAY_TARGETS)),scripts/fuzz.sh --replay $(FUZZ_BIN) 0 $(FUZZ_REPLAY_TARGETS))

demo: bootstrap
	$(SWIFT) build $(BUILD_FLAGS) --product pix2pix -q
	$(BIN) demo

# The shipped zoo as a local web app and HTTP API on http://127.0.0.1:8080/ (SERVE_ARGS: e.g. --port 9000).
SERVE_ARGS ?=
serve: bootstrap
	$(SWIFT) build $(BUILD_FLAGS) --product pix2pix -q
	$(BIN) serve --zoo Zoo $(SERVE_ARGS)

bench: bootstrap
	$(SWIFT) build -c release --scratch-path .build-bench --product pix2pix -q
	$(BENCH_BIN) bench ops

# Ours against PyTorch, ONNX Runtime and OpenVINO, alternately in one run, with the ratios
# (benchmarks/bench_compare.py; raw lines into benchmarks/results/). torch comes from BENCH_PYTHON when it
# imports torch, else from a throwaway venv (.venv-bench, torch from PyPI); onnx, onnxruntime and openvino
# (PyPI) are installed into that same Python when missing. BENCH_ARGS: e.g. --only infer --iters 4 --rounds 1.
BENCH_PYTHON ?= python3
BENCH_VENV   := .venv-bench
BENCH_ARGS   ?=
BENCH_PEERS  := onnx onnxruntime openvino

bench-compare: bootstrap
	$(SWIFT) build -c release --scratch-path .build-bench --product pix2pix -q
	@if $(BENCH_PYTHON) -c 'import torch' 2>/dev/null; then \
	  echo "torch: $$($(BENCH_PYTHON) -c 'import torch; print(torch.__version__)') from $(BENCH_PYTHON)"; \
	  py=$(BENCH_PYTHON); \
	else \
	  if ! $(BENCH_VENV)/bin/python -c 'import torch' 2>/dev/null; then \
	    echo "installing torch (PyPI) into $(BENCH_VENV)"; \
	    python3 -m venv $(BENCH_VENV) && \
	    $(BENCH_VENV)/bin/python -m pip install -q torch || exit 1; \
	  fi; \
	  py=$(BENCH_VENV)/bin/python; \
	fi; \
	if ! $$py -c 'import onnx, onnxruntime, openvino' 2>/dev/null; then \
	  echo "installing $(BENCH_PEERS) (PyPI) for $$py"; \
	  $$py -m pip install -q --disable-pip-version-check $(BENCH_PEERS) || exit 1; \
	fi; \
	$$py benchmarks/bench_compare.py --pix2pix $(BENCH_BIN) --python $$py $(BENCH_ARGS)

docs: bootstrap
	PIX2PIX_DOCS=1 $(SWIFT) package --allow-writing-to-directory ./site generate-documentation \
	  --target Pix2PixZoo --target Base --target Tensor --target NN --target Checkpoint --target Imaging \
	  --target Reports --target Pix2Pix --target Zoo --target TorchImport --target Export --target SeedNetworks --target Distributed --enable-experimental-combined-documentation \
	  --output-path ./site
	@echo "documentation written to ./site"

clean:
	rm -rf .build .build-bench .build-fuzz site
