# Pix2PixZoo — the two commands: `make demo` and `make test`. Each bootstraps what it needs.
#
# One build configuration serves tests, the demo and the docs, so nothing is rebuilt when switching
# between them (shared/TOOLCHAIN.md §1): release, with testable imports. Benchmarks use a separate,
# pristine release build in .build-bench.

SWIFT        ?= swift
BUILD_FLAGS  := -c release -Xswiftc -enable-testing
BIN          := .build/release/pix2pix
BENCH_BIN    := .build-bench/release/pix2pix

.PHONY: all bootstrap build test demo bench docs clean

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build $(BUILD_FLAGS) --build-tests -q

test: build
	$(SWIFT) test $(BUILD_FLAGS) --skip-build --disable-xctest
	scripts/check_plugin.sh $(BIN)

demo: bootstrap
	$(SWIFT) build $(BUILD_FLAGS) --product pix2pix -q
	$(BIN) demo

bench: bootstrap
	$(SWIFT) build -c release --scratch-path .build-bench --product pix2pix -q
	$(BENCH_BIN) bench ops

docs: bootstrap
	PIX2PIX_DOCS=1 $(SWIFT) package --allow-writing-to-directory ./site generate-documentation \
	  --target Pix2PixZoo --target Tensor --target NN --enable-experimental-combined-documentation \
	  --output-path ./site
	@echo "documentation written to ./site"

clean:
	rm -rf .build .build-bench site
