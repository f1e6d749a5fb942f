// A character-level LSTM language model of English words: trained on the word list Debian's
// wamerican installs, it reports validation perplexity against a unigram baseline and then
// invents words by sampling with a temperature.
//
//   build/examples/strata_char_lm [--epochs 10] [--units 128] [--temperature 0.8] [--samples 24]
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>

#include "strata/strata.h"

using namespace strata;

namespace {

std::vector<std::string> read_words(const std::string& path, std::size_t max_words) {
  std::ifstream in(path);
  STRATA_CHECK(in.good(), "cannot open the word list '", path, "' (install Debian's wamerican)");
  std::vector<std::string> words;
  for (std::string w; std::getline(in, w);) {
    const bool plain = w.size() >= 2 && std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; });
    if (plain) words.push_back(w);  // lower-case letters only: no names, no possessives
  }
  STRATA_CHECK(!words.empty(), "'", path, "' holds no lower-case words");
  if (max_words && words.size() > max_words) words.resize(max_words);
  return words;
}

// Inputs [start, c1..cn] and targets [c1..cn, end], padded after the word with 0.
struct Batches {
  Tensor inputs, targets;  // [N, T] f32 and i64
};

Batches encode(const std::vector<std::string>& words, const data::CharTokenizer& tok, std::int64_t T) {
  std::vector<std::vector<std::int64_t>> in, out;
  for (const auto& w : words) {
    auto s = tok.encode(w, true);
    in.emplace_back(s.begin(), s.end() - 1);
    out.emplace_back(s.begin() + 1, s.end());
  }
  data::PadOptions pad;
  pad.maxlen = T;
  pad.padding = pad.truncating = "post";
  return {data::pad_sequences(in, pad), data::pad_sequences(out, pad).to(DType::i64)};
}

// Mean cross-entropy over the real (non-padding) target characters, and their count.
std::pair<Variable, double> masked_loss(const Variable& logits, const Tensor& targets) {
  const std::int64_t n = targets.numel(), V = logits.size(2);
  const Variable per_char = ops::softmax_cross_entropy(ops::reshape(logits, {n, V}), targets.reshape({n}), 0.0,
                                                       ops::Reduction::none);
  const Tensor weight = sign(targets.reshape({n}).to(DType::f32));  // 1 for characters, 0 for padding
  const double count = sum(weight).item();
  return {ops::mul_scalar(ops::sum(ops::mul(per_char, Variable(weight))), 1.0 / count), count};
}

double perplexity(models::Model& model, const Batches& data) {
  NoGradGuard no_grad;
  double nll = 0, count = 0;
  const std::int64_t N = data.inputs.size(0), step = 512;
  for (std::int64_t b = 0; b < N; b += step) {
    const std::int64_t e = std::min(N, b + step);
    Variable logits = model.call({Variable(data.inputs.slice(0, b, e).contiguous())}, false);
    auto [loss, n] = masked_loss(logits, data.targets.slice(0, b, e).contiguous());
    nll += loss.value().item() * n;
    count += n;
  }
  return std::exp(nll / count);
}

std::string sample_word(models::Model& model, const data::CharTokenizer& tok, std::int64_t T, double temperature,
                        Generator& gen) {
  NoGradGuard no_grad;
  std::vector<std::int64_t> seq{data::CharTokenizer::kStart};
  while (static_cast<std::int64_t>(seq.size()) < T) {
    data::PadOptions pad;
    pad.maxlen = T;
    pad.padding = "post";
    const Tensor x = data::pad_sequences({seq}, pad);
    const Tensor logits = model.call({Variable(x)}, false).value().select(1, static_cast<std::int64_t>(seq.size()) - 1);
    const auto l = logits.reshape({logits.numel()}).to_vector<float>();
    std::vector<double> p(l.size());
    const double top = *std::max_element(l.begin(), l.end());
    double total = 0;
    for (std::size_t i = 0; i < l.size(); ++i) total += p[i] = i <= 1 ? 0.0 : std::exp((l[i] - top) / temperature);
    double u = gen.uniform() * total;
    std::size_t next = 2;
    for (std::size_t i = 0; i < p.size(); ++i)
      if ((u -= p[i]) <= 0) {
        next = i;
        break;
      }
    if (next == static_cast<std::size_t>(data::CharTokenizer::kEnd)) break;
    seq.push_back(static_cast<std::int64_t>(next));
  }
  return tok.decode(seq);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Character-level LSTM language model on /usr/share/dict/words"};
  std::string path = "/usr/share/dict/words";
  int epochs = 10, batch_size = 64, samples = 24;
  std::int64_t units = 128, embedding = 32;
  double temperature = 0.8, learning_rate = 0.003;
  std::size_t max_words = 0;
  unsigned long seed = 1;
  app.add_option("--words", path, "Word list, one per line")->capture_default_str();
  app.add_option("--epochs", epochs)->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--batch-size", batch_size)->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--units", units, "LSTM units")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--lr", learning_rate, "Adam's learning rate")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--temperature", temperature, "Sampling temperature")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--samples", samples, "Words to generate")->capture_default_str();
  app.add_option("--max-words", max_words, "Use only the first N words (0: all)")->capture_default_str();
  app.add_option("--seed", seed)->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    manual_seed(seed);
    auto words = read_words(path, max_words);
    const std::set<std::string> dictionary(words.begin(), words.end());
    Generator shuffle_gen(seed);
    std::shuffle(words.begin(), words.end(), shuffle_gen.engine());
    const auto n_val = words.size() / 10;
    const std::vector<std::string> val_words(words.begin(), words.begin() + static_cast<long>(n_val));
    const std::vector<std::string> train_words(words.begin() + static_cast<long>(n_val), words.end());
    const auto tok = data::CharTokenizer::fit(train_words);
    std::size_t longest = 0;
    for (const auto& w : words) longest = std::max(longest, w.size());
    const auto T = static_cast<std::int64_t>(longest) + 1;
    const Batches train = encode(train_words, tok, T), val = encode(val_words, tok, T);
    std::printf("%zu words (%zu training, %zu validation), %lld characters in the vocabulary, sequences of %lld steps\n",
                words.size(), train_words.size(), val_words.size(), static_cast<long long>(tok.size() - 4),
                static_cast<long long>(T));

    // The unigram baseline: each character (and the end of a word) by its training frequency.
    std::vector<double> counts(static_cast<std::size_t>(tok.size()), 1.0);  // add-one smoothing
    for (auto t : train.targets.to_vector<std::int64_t>())
      if (t != 0) counts[static_cast<std::size_t>(t)] += 1;
    double total = 0, nll = 0, n = 0;
    for (std::size_t i = 2; i < counts.size(); ++i) total += counts[i];
    for (auto t : val.targets.to_vector<std::int64_t>())
      if (t != 0) nll -= std::log(counts[static_cast<std::size_t>(t)] / total), n += 1;
    const double unigram = std::exp(nll / n);

    auto inputs = nn::Input({T});
    auto x = layers::Embedding(tok.size(), embedding, /*mask_zero=*/true)(inputs);
    x = layers::LSTM(nn::RecurrentOptions(units).return_sequences(true))(x);
    auto logits = layers::Dense(tok.size())(x);
    auto model = std::make_shared<models::Model>(inputs, logits, "char_lm");
    std::printf("%s\n", model->summary().c_str());
    optim::OptimizerOptions oo;
    oo.learning_rate = learning_rate;
    oo.global_clipnorm = 1.0;  // exploding gradients through time
    optim::Adam adam(model->trainable_variables(), oo);

    const std::int64_t N = train.inputs.size(0);
    for (int epoch = 0; epoch < epochs; ++epoch) {
      const auto begin = std::chrono::steady_clock::now();
      std::vector<std::int64_t> order(static_cast<std::size_t>(N));
      for (std::int64_t i = 0; i < N; ++i) order[i] = i;
      std::shuffle(order.begin(), order.end(), shuffle_gen.engine());
      double loss_sum = 0;
      long batches = 0;
      for (std::int64_t b = 0; b < N; b += batch_size) {
        const std::vector<std::int64_t> rows(order.begin() + b, order.begin() + std::min<std::int64_t>(N, b + batch_size));
        Variable out = model->call({Variable(gather_rows(train.inputs, rows))}, true);
        Variable loss = masked_loss(out, gather_rows(train.targets, rows)).first;
        STRATA_CHECK(std::isfinite(loss.value().item()), "the loss became ", loss.value().item(), " in epoch ", epoch + 1);
        loss.backward();
        adam.step();
        adam.zero_grad();
        loss_sum += loss.value().item();
        ++batches;
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
      std::printf("epoch %d/%d: train loss %.4f (perplexity %.3f), validation perplexity %.3f, %.0f s\n", epoch + 1, epochs,
                  loss_sum / double(batches), std::exp(loss_sum / double(batches)), perplexity(*model, val), seconds);
      std::fflush(stdout);
    }
    const double final_perplexity = perplexity(*model, val);
    std::printf("\nvalidation perplexity per character: LSTM %.3f, unigram baseline %.3f\n\n", final_perplexity, unigram);
    Generator sample_gen(seed + 7);
    int novel = 0;
    std::printf("%d words sampled at temperature %.2f (* = not in the word list):\n", samples, temperature);
    for (int i = 0; i < samples; ++i) {
      const std::string w = sample_word(*model, tok, T, temperature, sample_gen);
      const bool is_new = !dictionary.count(w);
      novel += is_new;
      std::printf("  %s%s\n", w.c_str(), is_new ? " *" : "");
    }
    std::printf("%d of %d are new words\n", novel, samples);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}
