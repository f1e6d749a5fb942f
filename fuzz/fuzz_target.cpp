// One libFuzzer target; STRATA_FUZZ_READER names its reader in fuzz/readers.h. The fuzzer's
// bytes become a file, the reader reads it, and only two outcomes are accepted: success or a
// strata::Error. Any other exception aborts (a finding), as do crashes, sanitizer reports,
// hangs (-timeout) and allocations over -malloc_limit_mb.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "readers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // One file per process (libFuzzer's -jobs/-workers run several), rewritten for each input.
  static const std::string path =
      (std::filesystem::temp_directory_path() / ("strata_fuzz_" STRATA_FUZZ_READER "_" + std::to_string(getpid()))).string();
  static const strata::fuzz::Reader& read = strata::fuzz::readers().at(STRATA_FUZZ_READER);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    read(path, size);
  } catch (const strata::Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "finding: an exception other than strata::Error escaped: %s\n", e.what());
    std::abort();
  }
  return 0;
}
