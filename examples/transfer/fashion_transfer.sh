#!/usr/bin/env bash
# Transfer learning on Fashion-MNIST, one command: pre-trains resnet_compact on classes 0-4,
# then learns classes 5-9 from 50 labelled images per class (a) with the pre-trained base
# frozen and a new head, (b) fine-tuning the pre-trained base, (c) from scratch; prints the
# three test accuracies.   usage: examples/transfer/fashion_transfer.sh [options]
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps.sh
scripts/build.sh
build/examples/strata_fashion_transfer "$@"
