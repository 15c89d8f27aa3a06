// libFuzzer's driver entry point (LLVM >= 12). Swift executables built by SwiftPM have their own entry symbol,
// so the fuzz binaries call this from `main` instead of linking libFuzzer's main. Only referenced when the
// fuzz targets are built with -DFUZZING -sanitize=fuzzer (scripts/fuzz).
#ifndef CRTC_FUZZ_DRIVER_H
#define CRTC_FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
#endif
