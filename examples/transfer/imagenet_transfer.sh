#!/usr/bin/env bash
# Transfer learning from ImageNet, one command: the imported ImageNet MobileNetV2 (frozen base +
# new head, then fine-tuned) against the same network from scratch on Fashion-MNIST at 96x96
# with 100 labelled images per class; prints every test accuracy.
#   usage: examples/transfer/imagenet_transfer.sh [options]   (--help lists them)
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps.sh
scripts/build.sh
build/examples/strata_imagenet_transfer "$@"
