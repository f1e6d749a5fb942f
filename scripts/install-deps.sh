#!/usr/bin/env bash
# Installs every Debian package Strata needs to build, test and run its main job.
# Idempotent: packages already present are not touched, and apt-get runs only if one is missing.
#   usage: scripts/install-deps.sh [--bench] [--examples] [--sanitize]
#     --bench     adds PyTorch, torchvision and OpenBLAS for bench/ and tools/interop/
#     --examples  adds the data sets the examples/ use (breast-cancer CSV in python3-sklearn, the
#                 word list in wamerican, sunspots in python3-statsmodels, fortune texts in fortunes)
#     --sanitize  adds clang with libFuzzer and the sanitizer runtimes, and LLVM's OpenMP, for
#                 scripts/sanitize.sh and fuzz/run.sh
set -euo pipefail

packages=(
  g++ cmake make pkg-config          # toolchain (OpenMP comes with g++ as libgomp)
  libdnnl-dev                        # oneDNN: convolution, pooling, batch norm, matmul, eltwise, softmax
  ocl-icd-opencl-dev opencl-c-headers  # required by the dnnl CMake package config (oneDNN was built with OpenCL)
  libgtest-dev                       # GoogleTest
  libbenchmark-dev                   # Google Benchmark
  nlohmann-json3-dev libcli11-dev    # JSON, command-line parsing
  zlib1g-dev                         # gzipped data files
  libstb-dev                         # PNG/JPEG decoding and PNG writing (stb_image, stb_image_write)
  libonnx-dev libprotobuf-dev        # ONNX import/export: the ONNX protobuf schema (onnx_proto)
  libonnx-testdata python3-onnx      # ONNX's backend node tests and checker, run by the test suite
  libhdf5-dev                        # Keras .h5 files
  libzip-dev                         # Keras 3 .keras archives (zip)
  libsentencepiece-dev              # subword tokenizers (train, encode, decode)
  python3-h5py python3-numpy         # tools/golden: Keras files written and read back by an independent NumPy forward pass
  dataset-fashion-mnist              # the main job's data, in /usr/share/datasets/fashion-mnist
  chromium                           # headless, to check that the HTML report opens
)
for option in "$@"; do
  case "$option" in
    # PyTorch and, so that its matmul is not left on Debian's generic reference BLAS, OpenBLAS.
    --bench) packages+=(python3-torch python3-torchvision python3-numpy libopenblas0-pthread) ;;
    --examples) packages+=(python3-sklearn wamerican python3-statsmodels fortunes) ;;
    --sanitize) packages+=(clang libclang-rt-14-dev libomp-dev) ;;
    *) echo "install-deps: unknown option $option (expected --bench, --examples or --sanitize)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
