#include "strata/data/sequence.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "strata/data/number_text.h"

namespace strata::data {

Tensor pad_sequences(const std::vector<std::vector<std::int64_t>>& sequences, const PadOptions& o) {
  STRATA_CHECK(o.padding == "pre" || o.padding == "post", "pad_sequences: padding must be pre or post, got ", o.padding);
  STRATA_CHECK(o.truncating == "pre" || o.truncating == "post", "pad_sequences: truncating must be pre or post, got ",
               o.truncating);
  std::int64_t maxlen = o.maxlen;
  if (maxlen <= 0)
    for (const auto& s : sequences) maxlen = std::max<std::int64_t>(maxlen, static_cast<std::int64_t>(s.size()));
  STRATA_CHECK(maxlen > 0, "pad_sequences: every sequence is empty");
  const auto n = static_cast<std::int64_t>(sequences.size());
  Tensor out = Tensor::full({n, maxlen}, o.value);
  float* p = out.data<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    const auto& s = sequences[i];
    const auto len = std::min<std::int64_t>(maxlen, static_cast<std::int64_t>(s.size()));
    const std::int64_t from = o.truncating == "pre" ? static_cast<std::int64_t>(s.size()) - len : 0;
    const std::int64_t to = o.padding == "pre" ? maxlen - len : 0;
    for (std::int64_t k = 0; k < len; ++k) p[i * maxlen + to + k] = static_cast<float>(s[from + k]);
  }
  return out;
}

CharTokenizer CharTokenizer::fit(const std::vector<std::string>& texts) {
  std::set<char> seen;
  for (const auto& t : texts) seen.insert(t.begin(), t.end());
  CharTokenizer tok;
  tok.chars_.assign(seen.begin(), seen.end());
  for (std::size_t i = 0; i < tok.chars_.size(); ++i) tok.index_[tok.chars_[i]] = static_cast<std::int64_t>(i) + 4;
  return tok;
}

std::vector<std::int64_t> CharTokenizer::encode(const std::string& text, bool add_markers) const {
  std::vector<std::int64_t> out;
  if (add_markers) out.push_back(kStart);
  for (char c : text) {
    auto it = index_.find(c);
    out.push_back(it == index_.end() ? kUnknown : it->second);
  }
  if (add_markers) out.push_back(kEnd);
  return out;
}

std::string CharTokenizer::decode(const std::vector<std::int64_t>& indices) const {
  std::string out;
  for (auto i : indices) {
    if (i == kPad || i == kStart || i == kEnd) continue;
    out += (i >= 4 && i < size()) ? chars_[static_cast<std::size_t>(i - 4)] : '?';
  }
  return out;
}

Windows sliding_windows(const std::vector<double>& series, std::int64_t window, std::int64_t horizon, std::int64_t stride) {
  STRATA_CHECK(window >= 1 && horizon >= 1 && stride >= 1, "sliding_windows: window, horizon and stride must be positive");
  const auto len = static_cast<std::int64_t>(series.size());
  STRATA_CHECK(len >= window + horizon, "sliding_windows: a series of ", len, " values is shorter than window ", window,
               " + horizon ", horizon);
  const std::int64_t n = (len - window - horizon) / stride + 1;
  Windows w{Tensor::empty({n, window, 1}), Tensor::empty({n, horizon})};
  float* x = w.x.data<float>();
  float* y = w.y.data<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t start = i * stride;
    for (std::int64_t k = 0; k < window; ++k) x[i * window + k] = static_cast<float>(series[start + k]);
    for (std::int64_t k = 0; k < horizon; ++k) y[i * horizon + k] = static_cast<float>(series[start + window + k]);
  }
  return w;
}

std::vector<double> read_csv_column(const std::string& path, const std::string& column, char delimiter) {
  std::ifstream in(path);
  STRATA_CHECK(in.good(), "read_csv_column: cannot open '", path, "'");
  std::string line;
  STRATA_CHECK(std::getline(in, line), "read_csv_column: '", path, "' is empty");
  auto split = [delimiter](const std::string& l) {
    std::vector<std::string> cells;
    std::stringstream ss(l);
    for (std::string c; std::getline(ss, c, delimiter);) {
      c.erase(std::remove_if(c.begin(), c.end(), [](char ch) { return ch == '"' || ch == '\r' || ch == ' '; }), c.end());
      cells.push_back(c);
    }
    return cells;
  };
  const auto header = split(line);
  const auto it = std::find(header.begin(), header.end(), column);
  STRATA_CHECK(it != header.end(), "read_csv_column: '", path, "' has no column \"", column, "\" (its header: ", line, ")");
  const auto col = static_cast<std::size_t>(it - header.begin());
  std::vector<double> values;
  for (long line_no = 2; std::getline(in, line); ++line_no) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto cells = split(line);
    STRATA_CHECK(col < cells.size(), "read_csv_column: '", path, "' line ", line_no, " has ", cells.size(),
                 " columns, expected ", header.size());
    double v = 0;
    const char* bad = number_problem(cells[col], v);
    STRATA_CHECK(!bad, "read_csv_column: '", path, "' line ", line_no, " column ", column, " ", bad, ": \"", cells[col], "\"");
    values.push_back(v);
  }
  STRATA_CHECK(!values.empty(), "read_csv_column: '", path, "' has no data rows");
  return values;
}

}  // namespace strata::data
