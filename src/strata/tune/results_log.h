// The results file of a search: JSON lines, the first the search's signature, then one line
// per finished trial, appended and flushed as each trial ends. Reading it back lets a killed
// search resume without running a finished trial again; a last line cut short by the kill is
// dropped with a warning, any other unreadable line is an error naming it.
#pragma once

#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "strata/tune/tuner.h"

namespace strata::tune {

class ResultsLog {
 public:
  // Opens (creating it and its folder if needed) `path`; "" keeps results in memory only.
  // Throws when the file holds another search's signature.
  ResultsLog(const std::string& path, const nlohmann::json& signature);
  std::optional<TrialResult> find(const std::string& key) const;
  void append(const TrialResult& trial);  // thread-safe
  std::size_t size() const { return finished_.size(); }

 private:
  std::string path_;
  std::map<std::string, TrialResult> finished_;
  std::ofstream out_;
  mutable std::mutex mutex_;
};

}  // namespace strata::tune
