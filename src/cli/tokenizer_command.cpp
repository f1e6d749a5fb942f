// `strata tokenizer`: train a SentencePiece subword tokenizer on text files, and encode or
// decode with one.
//   strata tokenizer train --input a.txt b.txt --vocab-size 4000 --output runs/tokenizer.model
//   strata tokenizer encode --model runs/tokenizer.model "Some text."
//   strata tokenizer decode --model runs/tokenizer.model 57 913 12
#include <CLI/CLI.hpp>
#include <cstdio>

#include "command.h"
#include "validators.h"
#include "strata/text/corpus.h"
#include "strata/text/tokenizer.h"

namespace strata::cli {
namespace {

struct TokenizerTrainOptions {
  std::vector<std::string> inputs;
  std::string separator;  // empty: one document per line
  std::string output = "runs/tokenizer.model";
  long vocab_size = 4000;
  std::string model_type = "unigram";
  std::vector<std::string> special_tokens = {"[CLS]", "[SEP]", "[MASK]"};
};

int run_train(const TokenizerTrainOptions& o) {
  std::vector<std::string> documents;
  for (const auto& path : o.inputs) {
    auto d = text::read_documents(path, o.separator);
    documents.insert(documents.end(), d.begin(), d.end());
  }
  ensure_parent_folder(o.output);
  const auto tok = text::Tokenizer::train(
      documents,
      text::TokenizerOptions().vocab_size(o.vocab_size).model_type(o.model_type).special_tokens(o.special_tokens));
  tok.save(o.output);
  std::printf("trained a %s tokenizer on %zu documents from %zu file(s): %lld tokens (%lld special)\nwrote %s\n",
              o.model_type.c_str(), documents.size(), o.inputs.size(), static_cast<long long>(tok.vocabulary_size()),
              static_cast<long long>(tok.special_count() + 2), o.output.c_str());
  return 0;
}

struct TokenizerUseOptions {
  std::string model;
  std::vector<std::string> values;
};

int run_encode(const TokenizerUseOptions& o) {
  const auto tok = text::Tokenizer::load(o.model);
  for (const auto& t : o.values) {
    std::printf("%s\n  pieces:", t.c_str());
    for (const auto& p : tok.encode_pieces(t)) std::printf(" %s", p.c_str());
    std::printf("\n  ids:");
    for (auto id : tok.encode(t)) std::printf(" %lld", static_cast<long long>(id));
    std::printf("\n");
  }
  return 0;
}

int run_decode(const TokenizerUseOptions& o) {
  std::vector<std::int64_t> ids;
  for (const auto& v : o.values) {
    std::size_t used = 0;
    long long id = 0;
    try {
      id = std::stoll(v, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    STRATA_CHECK(used == v.size() && !v.empty(), "tokenizer decode: expected token ids (integers) but got '", v, "'");
    ids.push_back(id);
  }
  const auto tok = text::Tokenizer::load(o.model);
  std::printf("%s\n", tok.decode(ids).c_str());
  return 0;
}

}  // namespace

void add_tokenizer(CLI::App& app, Run& selected) {
  CLI::App* group = app.add_subcommand("tokenizer", "Train a subword tokenizer (SentencePiece), encode and decode");
  group->require_subcommand(1);

  auto [t, train] = add_command<TokenizerTrainOptions>(*group, selected, "train",
                                                       "Train a tokenizer on text files", run_train);
  train->add_option("--input", t->inputs, "Text files (one document per line, or see --separator)")
      ->required()
      ->check(CLI::ExistingFile);
  train->add_option("--separator", t->separator, "A line that separates documents (fortune files: %)");
  train->add_option("--vocab-size", t->vocab_size, "Tokens in the vocabulary, special ones included")
      ->capture_default_str()
      ->check(number_in(8, 1000000));
  train->add_option("--model-type", t->model_type, "unigram or bpe")
      ->capture_default_str()
      ->check(CLI::IsMember({"unigram", "bpe"}));
  train->add_option("--special-tokens", t->special_tokens, "Special tokens after [PAD] and <unk>")->capture_default_str();
  train->add_option("--output", t->output, "The .model file to write")->capture_default_str();

  auto [e, encode] = add_command<TokenizerUseOptions>(*group, selected, "encode", "Print the pieces and ids of texts",
                                                      run_encode);
  encode->add_option("--model", e->model, "A tokenizer .model file")->required();
  encode->add_option("text", e->values, "Texts to encode")->required();

  auto [d, decode] = add_command<TokenizerUseOptions>(*group, selected, "decode", "Print the text of token ids",
                                                      run_decode);
  decode->add_option("--model", d->model, "A tokenizer .model file")->required();
  decode->add_option("ids", d->values, "Token ids")->required();
}

}  // namespace strata::cli
