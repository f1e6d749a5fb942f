#include "strata/train/progress.h"

#include <unistd.h>

#include <cstdio>

namespace strata::train {

ProgressBar::ProgressBar(long steps, int verbose)
    : steps_(steps), verbose_(verbose), tty_(isatty(fileno(stdout)) != 0), start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

std::string ProgressBar::line(long step, const std::map<std::string, double>& logs, bool final) const {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  char buf[128];
  std::string out;
  const int width = std::to_string(steps_).size();
  std::snprintf(buf, sizeof buf, "%*ld/%ld ", width, step, steps_);
  out += buf;
  constexpr int kBar = 30;
  const int filled = steps_ ? static_cast<int>(kBar * step / steps_) : kBar;
  std::string bar(kBar, '.');
  for (int i = 0; i < filled; ++i) bar[i] = '=';
  if (filled < kBar && filled > 0) bar[filled - 1] = '>';
  out += "[" + bar + "]";
  if (final) {
    std::snprintf(buf, sizeof buf, " - %.0fs %.0fms/step", elapsed, step ? 1000.0 * elapsed / step : 0.0);
  } else {
    const double eta = step ? elapsed / step * (steps_ - step) : 0.0;
    std::snprintf(buf, sizeof buf, " - ETA: %.0fs", eta);
  }
  out += buf;
  for (const auto& [k, v] : logs) {
    if (k == "learning_rate") continue;
    std::snprintf(buf, sizeof buf, " - %s: %.4f", k.c_str(), v);
    out += buf;
  }
  return out;
}

bool ProgressBar::wants_update(long step) const {
  if (verbose_ != 1 || !tty_) return false;
  return step == steps_ || std::chrono::steady_clock::now() - last_draw_ >= std::chrono::milliseconds(100);
}

void ProgressBar::update(long step, const std::map<std::string, double>& logs) {
  if (!wants_update(step)) return;
  last_draw_ = std::chrono::steady_clock::now();
  std::printf("\r%s\033[K", line(step, logs, false).c_str());
  std::fflush(stdout);
}

void ProgressBar::finish(const std::map<std::string, double>& logs) {
  if (verbose_ == 0) return;
  std::printf("%s%s\n", tty_ && verbose_ == 1 ? "\r" : "", line(steps_, logs, true).c_str());
  std::fflush(stdout);
}

}  // namespace strata::train
