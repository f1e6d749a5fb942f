#!/usr/bin/env bash
# The recipe of pretrained/resnet_fashion.strata: resnet_compact (a CIFAR-style ResNet-14,
# 0.17M parameters) trained on all 60,000 Fashion-MNIST training images (10% held out for
# validation), Adam at Keras' default rate, batch 64, seed 42. `strata finetune --base
# resnet_fashion` starts from it.   usage: tools/pretrain/resnet_fashion.sh [epochs]
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/build.sh >/dev/null
build/src/strata train --model resnet_compact --epochs "${1:-3}" --batch-size 64 --seed 42 --verbose 2 \
  --output runs/resnet_fashion/model.strata
cp runs/resnet_fashion/model.strata pretrained/resnet_fashion.strata
echo "wrote pretrained/resnet_fashion.strata"
