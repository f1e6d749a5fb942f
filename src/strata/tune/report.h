// The search as a page: the sorted trial table and, for each parameter, a scatter plot of the
// objective against the parameter's value (one colour per training budget; log parameters on
// a log10 axis, choices at their index).
#pragma once

#include <string>

#include "strata/tune/space.h"
#include "strata/tune/tuner.h"

namespace strata::tune {

// One SVG per parameter, in the space's order.
std::vector<std::pair<std::string, std::string>> parameter_plots(const TuneResult& result, const SearchSpace& space,
                                                                 const std::string& objective);
std::string report_html(const TuneResult& result, const SearchSpace& space, const std::string& objective,
                        const std::string& summary);

}  // namespace strata::tune
