#!/usr/bin/env bash
# The character-level LSTM language model on Debian's word list (wamerican): installs what is
# needed, builds, trains, reports validation perplexity against the unigram baseline and
# samples new words.   usage: examples/sequences/char_lm.sh [strata_char_lm options]
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps.sh --examples
scripts/build.sh
build/examples/strata_char_lm "$@"
