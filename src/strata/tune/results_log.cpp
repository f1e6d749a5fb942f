#include "strata/tune/results_log.h"

#include <cstdio>
#include <filesystem>
#include <vector>

#include "strata/io/text_file.h"
#include "strata/tensor/error.h"

namespace strata::tune {

ResultsLog::ResultsLog(const std::string& path, const nlohmann::json& signature) : path_(path) {
  if (path.empty()) return;
  const std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  std::vector<std::string> lines;
  {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) lines.push_back(line);
  }
  bool rewrite_tail = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(lines[i]);
    } catch (const nlohmann::json::exception&) {
      STRATA_CHECK(i + 1 == lines.size(), "tune: results file ", path, " line ", i + 1,
                   " is not JSON; it was not written by this search (remove it or choose another file)");
      std::fprintf(stderr, "warning: %s: dropping the unfinished last line (the search was stopped while writing it)\n",
                   path.c_str());
      lines.pop_back();
      rewrite_tail = true;
      break;
    }
    if (i == 0) {
      STRATA_CHECK(j.contains("search"), "tune: results file ", path,
                   " does not start with a search signature; it was not written by strata tune");
      STRATA_CHECK(j["search"] == signature, "tune: results file ", path,
                   " belongs to a different search (space, strategy, data or settings differ):\n  file:    ",
                   j["search"].dump(), "\n  current: ", signature.dump(), "\nremove it or choose another results file");
      continue;
    }
    try {
      TrialResult t = TrialResult::from_json(j);
      t.resumed = true;
      finished_[t.key()] = t;
    } catch (const nlohmann::json::exception& e) {
      throw Error(detail::concat("tune: results file ", path, " line ", i + 1, " is not a trial record: ", e.what()));
    }
  }
  if (lines.empty() || rewrite_tail) {
    // A new file, or one whose cut-off last line must go: write the good lines back whole,
    // atomically, so a second interruption cannot lose them.
    if (lines.empty()) lines.push_back(nlohmann::json{{"search", signature}}.dump());
    std::string text;
    for (const auto& l : lines) text += l + '\n';
    io::write_text_file(path, text);
  }
  out_.open(path, std::ios::app);
  STRATA_CHECK(out_.good(), "tune: cannot append to results file ", path);
}

std::optional<TrialResult> ResultsLog::find(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = finished_.find(key);
  if (it == finished_.end()) return std::nullopt;
  return it->second;
}

void ResultsLog::append(const TrialResult& trial) {
  std::lock_guard<std::mutex> lock(mutex_);
  finished_[trial.key()] = trial;
  if (path_.empty()) return;
  out_ << trial.to_json().dump() << '\n';
  out_.flush();
  STRATA_CHECK(out_.good(), "tune: cannot append to results file ", path_);
}

}  // namespace strata::tune
