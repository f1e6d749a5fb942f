// Sequence data: padding and truncation of variable-length sequences (Keras' pad_sequences),
// a character vocabulary and tokenizer, sliding windows over a time series, and reading a
// numeric column of a CSV file as a series.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "strata/tensor/tensor.h"

namespace strata::data {

struct PadOptions {
  std::int64_t maxlen = 0;           // 0: the longest sequence
  std::string padding = "pre";       // "pre" or "post": where the padding goes (Keras' default: pre)
  std::string truncating = "pre";    // "pre" or "post": which end of a long sequence is cut
  double value = 0.0;
};
// [N, maxlen] f32 of token indices (or values).
Tensor pad_sequences(const std::vector<std::vector<std::int64_t>>& sequences, const PadOptions& options = {});

// Characters to indices. Index 0 is padding, 1 the start and 2 the end of a sequence, 3 an
// unknown character; the characters seen by fit() follow in sorted order.
class CharTokenizer {
 public:
  static constexpr std::int64_t kPad = 0, kStart = 1, kEnd = 2, kUnknown = 3;
  static CharTokenizer fit(const std::vector<std::string>& texts);
  std::int64_t size() const { return static_cast<std::int64_t>(chars_.size()) + 4; }
  // With add_markers: start, the characters, end.
  std::vector<std::int64_t> encode(const std::string& text, bool add_markers = false) const;
  // Drops padding and markers; unknown indices become '?'.
  std::string decode(const std::vector<std::int64_t>& indices) const;
  const std::string& characters() const { return chars_; }

 private:
  std::string chars_;
  std::map<char, std::int64_t> index_;
};

struct Windows {
  Tensor x;  // [N, window, 1]
  Tensor y;  // [N, horizon]
};
// Every window of `window` consecutive values (stepping by `stride`) with the `horizon` values
// that follow it as the target.
Windows sliding_windows(const std::vector<double>& series, std::int64_t window, std::int64_t horizon = 1,
                        std::int64_t stride = 1);

// The values of one numeric column (by header name) of a CSV file with a header row; a
// non-numeric value throws naming the line.
std::vector<double> read_csv_column(const std::string& path, const std::string& column, char delimiter = ',');

}  // namespace strata::data
