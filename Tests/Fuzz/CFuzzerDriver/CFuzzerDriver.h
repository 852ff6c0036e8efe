// libFuzzer's entry point for programs that keep their own main (compiler-rt, FuzzerInterface.h),
// from libclang_rt.fuzzer_no_main, which `make fuzz-build` links. SwiftPM points an executable's `main`
// at the module's entry (--defsym), so libFuzzer's own main cannot be used; main.swift calls this.
#ifndef CFUZZERDRIVER_H
#define CFUZZERDRIVER_H
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
