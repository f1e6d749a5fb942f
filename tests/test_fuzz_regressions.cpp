// Every input the fuzzers found a problem with (crash, sanitizer report, hang, huge allocation),
// kept in tests/data/fuzz_regressions/<target>/ and replayed through the same reader as the fuzz
// target (fuzz/readers.h): each must now be read or refused with a strata::Error, in bounded
// time. Under scripts/sanitize.sh the replay runs with ASan and UBSan, as the fuzzer did.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "../fuzz/readers.h"

namespace fs = std::filesystem;

TEST(FuzzRegressions, EveryKeptFindingIsReadOrRefusedCleanly) {
  const fs::path root = fs::path(STRATA_TEST_DATA_DIR) / "data" / "fuzz_regressions";
  int replayed = 0;
  for (const auto& dir : fs::directory_iterator(root)) {
    const std::string target = dir.path().filename().string();
    const auto it = strata::fuzz::readers().find(target);
    ASSERT_NE(it, strata::fuzz::readers().end()) << "no reader for the folder " << dir.path();
    for (const auto& file : fs::directory_iterator(dir.path())) {
      const auto start = std::chrono::steady_clock::now();
      std::string outcome = "read";
      try {
        it->second(file.path().string(), static_cast<std::size_t>(fs::file_size(file.path())));
      } catch (const strata::Error& e) {
        outcome = e.what();
      } catch (const std::exception& e) {
        ADD_FAILURE() << file.path() << ": an exception other than strata::Error: " << e.what();
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      EXPECT_LT(seconds, 30) << file.path();
      std::printf("%s/%s: %.1f s, %s\n", target.c_str(), file.path().filename().c_str(), seconds, outcome.substr(0, 160).c_str());
      ++replayed;
    }
  }
  EXPECT_GT(replayed, 0);
}
