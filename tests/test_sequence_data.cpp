// Sequence data helpers: padding/truncation (Keras' pad_sequences rules), the character
// tokenizer, sliding windows over a series and CSV time-series columns.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "strata/data/sequence.h"
#include "test_helpers.h"

using namespace strata;
using strata::testing::error_of;

TEST(SequenceData, PadSequencesFollowsKerasRules) {
  const std::vector<std::vector<std::int64_t>> seqs{{1, 2, 3}, {4}, {5, 6, 7, 8, 9}};
  EXPECT_EQ(data::pad_sequences(seqs).to_vector<float>(),
            (std::vector<float>{0, 0, 1, 2, 3, 0, 0, 0, 0, 4, 5, 6, 7, 8, 9}));  // longest, pre-padding
  data::PadOptions o;
  o.maxlen = 3;
  EXPECT_EQ(data::pad_sequences(seqs, o).to_vector<float>(), (std::vector<float>{1, 2, 3, 0, 0, 4, 7, 8, 9}));  // pre-truncation
  o.padding = o.truncating = "post";
  o.value = -1;
  EXPECT_EQ(data::pad_sequences(seqs, o).to_vector<float>(), (std::vector<float>{1, 2, 3, 4, -1, -1, 5, 6, 7}));
  o.padding = "middle";
  EXPECT_NE(error_of([&] { data::pad_sequences(seqs, o); }).find("padding must be pre or post"), std::string::npos);
}

TEST(SequenceData, CharTokenizerRoundTrips) {
  const auto tok = data::CharTokenizer::fit({"banana", "cab"});
  EXPECT_EQ(tok.characters(), "abcn");
  EXPECT_EQ(tok.size(), 8);
  const auto ids = tok.encode("cab", true);
  EXPECT_EQ(ids, (std::vector<std::int64_t>{data::CharTokenizer::kStart, 6, 4, 5, data::CharTokenizer::kEnd}));
  EXPECT_EQ(tok.decode(ids), "cab");
  EXPECT_EQ(tok.encode("z")[0], data::CharTokenizer::kUnknown);
  EXPECT_EQ(tok.decode(tok.encode("zan")), "?an");
}

TEST(SequenceData, SlidingWindows) {
  const auto w = data::sliding_windows({1, 2, 3, 4, 5, 6}, 3, 2);
  EXPECT_EQ(w.x.shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(w.x.to_vector<float>(), (std::vector<float>{1, 2, 3, 2, 3, 4}));
  EXPECT_EQ(w.y.to_vector<float>(), (std::vector<float>{4, 5, 5, 6}));
  EXPECT_EQ(data::sliding_windows({1, 2, 3, 4, 5, 6, 7}, 2, 1, 2).x.size(0), 3);
  EXPECT_NE(error_of([] { data::sliding_windows({1, 2}, 2); }).find("shorter than window 2 + horizon 1"), std::string::npos);
}

TEST(SequenceData, CsvColumnAndItsErrors) {
  const auto path = (std::filesystem::temp_directory_path() / "strata_series.csv").string();
  std::ofstream(path) << "\"YEAR\",\"VALUE\"\n1700,5\n1701,11.5\n\n1702,16\n";
  EXPECT_EQ(data::read_csv_column(path, "VALUE"), (std::vector<double>{5, 11.5, 16}));
  EXPECT_NE(error_of([&] { data::read_csv_column(path, "COUNT"); }).find("has no column \"COUNT\""), std::string::npos);
  std::ofstream(path) << "YEAR,VALUE\n1700,5\n1701,n/a\n";
  EXPECT_NE(error_of([&] { data::read_csv_column(path, "VALUE"); }).find("line 3 column VALUE is not a number: \"n/a\""),
            std::string::npos);
}
