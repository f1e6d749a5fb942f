#!/usr/bin/env bash
# The recipe of pretrained/text/fortunes/: the SentencePiece tokenizer (unigram, 2,000 pieces)
# and the transformer encoder (TokenAndPositionEmbedding + 2 post-norm blocks, width 128,
# 4 heads, feed-forward 256, context 64) pre-trained with the masked-LM objective for 4 epochs
# on Debian's fortune files: the training split (seed 42) of the six default categories plus
# every other fortune file, never the validation or test text (whose fingerprint the file
# records). `examples/text/fortunes.sh --pretrained pretrained/text/fortunes` fine-tunes it.
#   usage: tools/pretrain/fortunes_encoder.sh [strata_fortunes options]
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps.sh --examples >/dev/null
scripts/build.sh >/dev/null
build/examples/strata_fortunes --output runs/fortunes_pretrain "$@"
mkdir -p pretrained/text/fortunes
cp runs/fortunes_pretrain/tokenizer.model runs/fortunes_pretrain/pretrained_mlm.strata pretrained/text/fortunes/
echo "wrote pretrained/text/fortunes/{tokenizer.model, pretrained_mlm.strata}"
