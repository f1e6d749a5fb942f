#include "strata/text/masked_lm.h"

#include <algorithm>
#include <vector>

#include "strata/tensor/error.h"
#include "strata/text/tokenizer.h"

namespace strata::text {

MaskingOptions MaskingOptions::for_tokenizer(const Tokenizer& tokenizer, double rate) {
  MaskingOptions o;
  o.mask_id = tokenizer.mask_id();
  o.first_regular_id = 2 + tokenizer.special_count();
  o.vocabulary_size = tokenizer.vocabulary_size();
  o.rate = rate;
  return o;
}

MaskedTokens mask_tokens(const Tensor& ids, const MaskingOptions& o, Generator& gen) {
  STRATA_CHECK(o.rate > 0.0 && o.rate < 1.0, "mask_tokens: rate must be in (0, 1), got ", o.rate);
  STRATA_CHECK(o.mask_fraction >= 0 && o.random_fraction >= 0 && o.mask_fraction + o.random_fraction <= 1.0,
               "mask_tokens: mask_fraction ", o.mask_fraction, " and random_fraction ", o.random_fraction,
               " must be >= 0 and add up to at most 1");
  STRATA_CHECK(o.first_regular_id >= 1 && o.first_regular_id < o.vocabulary_size && o.mask_id >= 0 &&
                   o.mask_id < o.first_regular_id,
               "mask_tokens: expected [MASK] (", o.mask_id, ") among the reserved ids below the first regular id ",
               o.first_regular_id, ", which must be inside the vocabulary of ", o.vocabulary_size);
  STRATA_CHECK(ids.dim() >= 1, "mask_tokens: expected ids [N, T] but got a scalar");
  std::vector<double> v = ids.to_vector<double>();
  const std::int64_t T = ids.size(-1), rows = ids.numel() / std::max<std::int64_t>(T, 1);
  std::vector<std::int64_t> targets(v.size(), -1);
  MaskedTokens out;
  for (std::int64_t r = 0; r < rows; ++r) {
    std::vector<std::int64_t> regular;
    for (std::int64_t t = 0; t < T; ++t) {
      const double id = v[r * T + t];
      STRATA_CHECK(id >= 0 && id < o.vocabulary_size && id == static_cast<double>(static_cast<std::int64_t>(id)),
                   "mask_tokens: id ", id, " at row ", r, " step ", t, " is not a token of the vocabulary of ",
                   o.vocabulary_size);
      if (id >= o.first_regular_id) regular.push_back(t);
    }
    if (regular.empty()) continue;
    std::vector<std::int64_t> picked;
    for (auto t : regular)
      if (gen.uniform() < o.rate) picked.push_back(t);
    if (picked.empty()) picked.push_back(regular[gen.below(regular.size())]);
    for (auto t : picked) {
      const std::int64_t at = r * T + t;
      targets[at] = static_cast<std::int64_t>(v[at]);
      const double u = gen.uniform();
      if (u < o.mask_fraction)
        v[at] = static_cast<double>(o.mask_id);
      else if (u < o.mask_fraction + o.random_fraction)
        v[at] = static_cast<double>(o.first_regular_id +
                                    static_cast<std::int64_t>(gen.below(o.vocabulary_size - o.first_regular_id)));
    }
    out.picked += static_cast<std::int64_t>(picked.size());
  }
  out.inputs = Tensor::from_vector(v, ids.shape()).to(DType::f32);
  out.targets = Tensor::from_vector(targets, ids.shape());
  return out;
}

}  // namespace strata::text
