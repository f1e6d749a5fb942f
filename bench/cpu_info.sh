#!/usr/bin/env bash
# Sourced by the bench scripts: what this CPU is and which OpenBLAS core types it can run.
# Forcing a core type the CPU lacks (SkylakeX on an AVX2-only AMD) is an illegal instruction,
# so PyTorch's "best configuration" is chosen among these only.
#   cpu_model          e.g. "AMD EPYC 7B13"
#   cpu_isa            avx512 | avx2 | baseline
#   openblas_cores     core types to try, best first ("" lets OpenBLAS detect the core itself)
#   openblas_best_core the one bench/models and bench/lstm use
cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
if grep -qw avx512f /proc/cpuinfo; then
  cpu_isa=avx512; openblas_cores=(SkylakeX Haswell "")
elif grep -qw avx2 /proc/cpuinfo; then
  cpu_isa=avx2; openblas_cores=(Haswell "")
else
  cpu_isa=baseline; openblas_cores=("")
fi
openblas_best_core=${openblas_cores[0]}
