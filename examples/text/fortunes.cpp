// Pre-train a small transformer encoder on text offline, then fine-tune it into a classifier:
// Debian's fortune files (fortunes package) are the corpus, their categories the labels.
//   (a) a SentencePiece tokenizer on the training text;
//   (b) masked-language-model pre-training of the encoder (15% of tokens, 80/10/10) on the
//       training split plus the unlabelled fortune files, reporting the validation split's
//       masked-token accuracy and perplexity;
//   (c) fine-tuning it with a new classification head on the [CLS] position;
//   (d) the same network from scratch on the same labelled data and epochs;
//   (e) bag of words: TF-IDF over the tokenizer's pieces + logistic regression (Dense);
// then test accuracy and macro-F1 of every arm, the fine-tuned arm's classification report and
// its predictions for the sentences given with --sentence.
//
//   build/examples/strata_fortunes [--pretrain-epochs 4] [--epochs 8] [--layers 2] [--width 128]
//   build/examples/strata_fortunes --pretrained pretrained/text/fortunes   # skip (a) and (b)
//
// --pretrained DIR takes the tokenizer and pre-trained encoder of an earlier run (its
// tokenizer.model and pretrained_mlm.strata; the shipped one is pretrained/text/fortunes). The
// encoder's file records the architecture and a fingerprint of the validation and test texts its
// pre-training held out; a different split is refused, since that encoder may have read them.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "strata/strata.h"
#include "strata/text/masked_lm.h"

using namespace strata;
namespace fs = std::filesystem;

namespace {

struct Settings {
  std::string fortunes = "/usr/share/games/fortunes";
  std::vector<std::string> categories = {"art", "computers", "politics", "science", "songs-poems", "work"};
  std::string output = "runs/fortunes";
  std::string pretrained;  // a folder with tokenizer.model and pretrained_mlm.strata; empty: pre-train here
  std::int64_t vocab = 2000, length = 64, width = 128, heads = 4, ffn = 256;
  int layers = 2, pretrain_epochs = 4, epochs = 8, batch = 32, patience = 3;
  int frozen_epochs = 0;  // fine-tuning: first train the new head alone for this many epochs
  double pretrain_lr = 1e-3, lr = 3e-4, dropout = 0.1;
  unsigned long seed = 42;
  std::vector<std::string> sentences = {"My program crashed again and the debugger shows nothing useful.",
                                        "The senator promised lower taxes before the election."};
};

struct Split {
  std::vector<std::string> texts;
  std::vector<std::int64_t> labels;
  Tensor label_tensor() const { return Tensor::from_vector(labels, {static_cast<std::int64_t>(labels.size())}); }
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// The encoder: token + learned position embeddings, then `layers` post-norm blocks.
nn::SymbolicTensor encoder(const nn::SymbolicTensor& ids, const Settings& s, std::int64_t vocab) {
  auto embed = layers::TokenAndPositionEmbedding(vocab, s.length, s.width, /*mask_zero=*/true);
  embed->set_name("embedding");
  auto h = embed(ids);
  for (int i = 0; i < s.layers; ++i)
    h = models::transformer_encoder(
        h, models::TransformerEncoderOptions(s.heads, s.ffn).dropout(s.dropout).name("encoder_" + std::to_string(i)));
  return h;
}

// The [CLS] position's features -> Dropout -> Dense(classes, softmax), named "head".
std::shared_ptr<models::Model> classifier(const nn::SymbolicTensor& ids, const nn::SymbolicTensor& features,
                                          std::int64_t classes, const Settings& s) {
  auto cls = layers::make<nn::Slice>(std::vector<std::int64_t>{1}, std::vector<std::int64_t>{0},
                                     std::vector<std::int64_t>{1}, std::vector<std::int64_t>{1}, "cls_token");
  auto x = layers::Flatten()(cls(features));
  x = layers::Dropout(s.dropout)(x);
  auto head = layers::Dense(nn::DenseOptions(classes).activation("softmax").name("head"));
  return std::make_shared<models::Model>(ids, head(x), "fortune_classifier");
}

optim::OptimizerOptions adamw(double lr, long steps) {
  optim::OptimizerOptions o;
  o.learning_rate = lr;
  o.schedule = optim::cosine_decay(lr, steps, std::max(1L, steps / 10));  // 10% linear warm-up, then cosine decay
  o.weight_decay = 0.01;
  o.global_clipnorm = 1.0;
  return o;
}

// AdamW (decoupled weight decay) with those options.
std::unique_ptr<optim::Optimizer> make_adamw(std::vector<Variable> parameters, double lr, long steps) {
  return std::make_unique<optim::Adam>(std::move(parameters), adamw(lr, steps), 0.9, 0.999, 1e-7,
                                       /*decoupled_weight_decay=*/true);
}

struct MlmFigures {
  double loss = 0, accuracy = 0;
};

// Masked-token loss and accuracy over `ids` (inference mode; the masking seeded, so every
// evaluation corrupts the same tokens).
MlmFigures evaluate_mlm(models::Model& mlm, const Tensor& ids, const text::MaskingOptions& mo, std::uint64_t seed) {
  NoGradGuard no_grad;
  Generator gen(seed);
  double loss = 0, correct = 0, count = 0;
  for (std::int64_t b = 0; b < ids.size(0); b += 64) {
    const Tensor batch = ids.slice(0, b, std::min(ids.size(0), b + 64)).contiguous();
    const auto m = text::mask_tokens(batch, mo, gen);
    const Variable logits = mlm.call({Variable(m.inputs)}, false);
    loss += ops::sparse_crossentropy_ignoring(logits, m.targets, -1, true, ops::Reduction::sum).value().item();
    const auto predicted = argmax(logits.value(), -1).to_vector<std::int64_t>();
    const auto targets = m.targets.to_vector<std::int64_t>();
    for (std::size_t i = 0; i < targets.size(); ++i)
      if (targets[i] != -1) correct += predicted[i] == targets[i], count += 1;
  }
  return {loss / count, correct / count};
}

void pretrain(models::Model& mlm, const Tensor& ids, const Tensor& validation, const text::MaskingOptions& mo,
              const Settings& s) {
  const std::int64_t N = ids.size(0);
  const long steps = static_cast<long>((N + s.batch - 1) / s.batch) * s.pretrain_epochs;
  auto optimizer = make_adamw(mlm.trainable_variables(), s.pretrain_lr, steps);
  optim::Optimizer& opt = *optimizer;
  Generator gen(s.seed + 1);
  for (int epoch = 0; epoch < s.pretrain_epochs; ++epoch) {
    const auto begin = std::chrono::steady_clock::now();
    std::vector<std::int64_t> order(static_cast<std::size_t>(N));
    for (std::int64_t i = 0; i < N; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), gen.engine());
    double total = 0;
    long batches = 0;
    for (std::int64_t b = 0; b < N; b += s.batch) {
      const std::vector<std::int64_t> rows(order.begin() + b, order.begin() + std::min<std::int64_t>(N, b + s.batch));
      const auto m = text::mask_tokens(gather_rows(ids, rows), mo, gen);
      Variable loss = ops::sparse_crossentropy_ignoring(mlm.call({Variable(m.inputs)}, true), m.targets, -1, true);
      STRATA_CHECK(std::isfinite(loss.value().item()), "pre-training: the loss became ", loss.value().item());
      loss.backward();
      opt.step();
      opt.zero_grad();
      total += loss.value().item();
      ++batches;
    }
    const auto v = evaluate_mlm(mlm, validation, mo, s.seed + 99);
    std::printf("pre-training epoch %d/%d: masked-token loss %.3f; validation: loss %.3f, perplexity %.1f, "
                "masked-token accuracy %.3f (%.0f s)\n",
                epoch + 1, s.pretrain_epochs, total / double(batches), v.loss, std::exp(v.loss), v.accuracy,
                seconds_since(begin));
    std::fflush(stdout);
  }
}

struct Arm {
  std::string name;
  double accuracy = 0, macro_f1 = 0;
  int epochs_run = 0;
  metrics::ClassificationReport report;
};

// `frozen_epochs` > 0: first the layers outside the head are frozen and the head trains alone
// (Keras' two-stage fine-tuning), then everything trains for `epochs` more.
Arm fit_and_test(const std::string& name, const std::shared_ptr<models::Model>& model, const Tensor& x,
                 const Tensor& y, const Tensor& vx, const Tensor& vy, const Tensor& tx, const Tensor& ty,
                 std::int64_t classes, double lr, int epochs, const Settings& s, int frozen_epochs = 0) {
  const long steps_per_epoch = static_cast<long>((x.size(0) + s.batch - 1) / s.batch);
  Arm arm{name};
  if (frozen_epochs > 0) {
    models::set_trainable(*model, ".*", false);
    models::set_trainable(*model, "head", true);
    auto head_only = train::compile(model, make_adamw(model->trainable_variables(), lr * 10, steps_per_epoch * frozen_epochs),
                                    train::loss_by_name("sparse_categorical_crossentropy"), {"accuracy"});
    std::printf("\n%s, stage 1 (the rest frozen): %lld trainable parameters\n", name.c_str(),
                static_cast<long long>(model->count_trainable_params()));
    head_only.fit(x, y, train::FitOptions().epochs(frozen_epochs).batch_size(s.batch).verbose(2).validation_data(vx, vy));
    models::set_trainable(*model, ".*", true);
    arm.epochs_run += frozen_epochs;
  }
  auto trainer = train::compile(model, make_adamw(model->trainable_variables(), lr, steps_per_epoch * epochs),
                                train::loss_by_name("sparse_categorical_crossentropy"), {"accuracy"});
  auto stop = std::make_shared<train::EarlyStopping>(train::EarlyStoppingOptions{"val_loss", 0.0, s.patience,
                                                                                 train::Mode::automatic, true});
  std::printf("\n%s: %lld trainable parameters\n", name.c_str(), static_cast<long long>(model->count_trainable_params()));
  const auto history =
      trainer.fit(x, y, train::FitOptions().epochs(epochs).batch_size(s.batch).verbose(2).validation_data(vx, vy).callbacks({stop}));
  arm.epochs_run += static_cast<int>(history.epochs.size());
  const Tensor predicted = argmax(trainer.predict(tx), -1);
  arm.report = metrics::classification_report(ty, predicted, classes);
  arm.accuracy = arm.report.accuracy;
  arm.macro_f1 = arm.report.macro_avg.f1;
  return arm;
}

// TF-IDF rows over the tokenizer's pieces (idf from the training rows), L2-normalized.
Tensor tf_idf(const text::Tokenizer& tok, const std::vector<std::string>& texts, const std::vector<double>& idf) {
  const std::int64_t V = tok.vocabulary_size();
  Tensor out = Tensor::zeros({static_cast<std::int64_t>(texts.size()), V});
  float* p = out.data<float>();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    float* row = p + static_cast<std::int64_t>(i) * V;
    for (auto id : tok.encode(texts[i])) row[id] += 1.0f;
    double norm = 0;
    for (std::int64_t v = 0; v < V; ++v) norm += std::pow(row[v] *= static_cast<float>(idf[v]), 2);
    if (norm > 0)
      for (std::int64_t v = 0; v < V; ++v) row[v] = static_cast<float>(row[v] / std::sqrt(norm));
  }
  return out;
}

std::vector<double> inverse_document_frequency(const text::Tokenizer& tok, const std::vector<std::string>& texts) {
  std::vector<double> df(static_cast<std::size_t>(tok.vocabulary_size()), 0.0);
  for (const auto& t : texts) {
    auto ids = tok.encode(t);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (auto id : ids) df[static_cast<std::size_t>(id)] += 1;
  }
  std::vector<double> idf(df.size());
  for (std::size_t v = 0; v < df.size(); ++v) idf[v] = std::log((1.0 + texts.size()) / (1.0 + df[v])) + 1.0;  // sklearn's smooth idf
  return idf;
}

// FNV-1a over the held-out texts (validation, then test, each ended by a 0 byte): what a
// pre-trained encoder must not have read, so a reused one can be checked against this split.
std::string held_out_fingerprint(const Split& validation, const Split& test) {
  std::uint64_t h = 1469598103934665603ULL;
  for (const Split* split : {&validation, &test})
    for (const auto& t : split->texts) {
      for (unsigned char c : t) h = (h ^ c) * 1099511628211ULL;
      h = (h ^ 0u) * 1099511628211ULL;
    }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

// What pretrained_mlm.strata records about its pre-training (inside its training config).
nlohmann::json pretraining_record(const Settings& s, const std::string& fingerprint, const std::string& features_layer) {
  return {{"pretraining",
           {{"objective", "masked language model (15%, 80/10/10)"}, {"corpus", s.fortunes},
            {"categories", s.categories}, {"seed", s.seed}, {"held_out_fingerprint", fingerprint},
            {"epochs", s.pretrain_epochs}, {"length", s.length}, {"width", s.width}, {"heads", s.heads},
            {"ffn", s.ffn}, {"layers", s.layers}, {"dropout", s.dropout}, {"features_layer", features_layer}}}};
}

// An earlier run's encoder: checks that it held out this split, takes its architecture into
// `s` (so the from-scratch arm is the same network) and returns the model.
std::shared_ptr<models::Model> load_pretrained(const std::string& dir, const std::string& fingerprint, Settings& s,
                                               std::string& features_layer) {
  const std::string path = dir + "/pretrained_mlm.strata";
  auto loaded = io::load_model(path);
  const nlohmann::json& config = loaded.training_config;
  STRATA_CHECK(config.is_object() && config.contains("pretraining"), "--pretrained: '", path,
               "' does not record its pre-training (made before this example wrote it); pre-train here instead");
  const nlohmann::json& p = config["pretraining"];
  int epochs = 0;
  try {
    STRATA_CHECK(p.at("held_out_fingerprint").get<std::string>() == fingerprint, "--pretrained: '", path,
                 "' was pre-trained holding out another validation/test split (fingerprint ",
                 p.at("held_out_fingerprint").get<std::string>(), ", this split ", fingerprint, "; categories ",
                 p.at("categories").dump(), ", seed ", p.at("seed").dump(),
                 "): it may have read this split's test text. Use the same --categories and --seed, or pre-train here");
    s.length = p.at("length"), s.width = p.at("width"), s.heads = p.at("heads"), s.ffn = p.at("ffn");
    s.layers = p.at("layers"), s.dropout = p.at("dropout");
    features_layer = p.at("features_layer");
    epochs = p.at("epochs");
  } catch (const nlohmann::json::exception& e) {
    throw Error(detail::concat("--pretrained: the pre-training record in '", path, "' is malformed (", e.what(), ")"));
  }
  std::printf("pre-trained encoder: %s (%d masked-LM epochs; %lld layers of width %lld, context %lld)\n", path.c_str(),
              epochs, static_cast<long long>(s.layers), static_cast<long long>(s.width), static_cast<long long>(s.length));
  return loaded.model;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  CLI::App app{"Pre-train a transformer on fortunes (masked LM), fine-tune it into a category classifier"};
  app.add_option("--fortunes", s.fortunes, "The fortune files' folder")->capture_default_str();
  app.add_option("--categories", s.categories, "Category files to classify")->capture_default_str();
  app.add_option("--output", s.output, "Folder for the tokenizer, models and report")->capture_default_str();
  app.add_option("--pretrained", s.pretrained,
                 "Reuse an earlier run's tokenizer and pre-trained encoder (a folder; skips pre-training)")
      ->check(CLI::ExistingDirectory);
  app.add_option("--vocab", s.vocab, "Tokenizer vocabulary")->capture_default_str();
  app.add_option("--length", s.length, "Tokens per text ([CLS] ... [SEP])")->capture_default_str();
  app.add_option("--width", s.width, "Model width")->capture_default_str();
  app.add_option("--heads", s.heads, "Attention heads")->capture_default_str();
  app.add_option("--ffn", s.ffn, "Feed-forward width")->capture_default_str();
  app.add_option("--layers", s.layers, "Encoder blocks")->capture_default_str();
  app.add_option("--pretrain-epochs", s.pretrain_epochs, "Masked-LM epochs")->capture_default_str();
  app.add_option("--epochs", s.epochs, "Classifier epochs (each arm; early stopping on the validation loss)")->capture_default_str();
  app.add_option("--batch", s.batch, "Batch size")->capture_default_str();
  app.add_option("--pretrain-lr", s.pretrain_lr, "Masked-LM peak learning rate")->capture_default_str();
  app.add_option("--lr", s.lr, "Classifier peak learning rate (fine-tuned and from scratch)")->capture_default_str();
  app.add_option("--frozen-epochs", s.frozen_epochs,
                 "Fine-tuning: epochs of the new head alone (10x the rate) before the whole network trains")
      ->capture_default_str();
  app.add_option("--seed", s.seed, "Seed")->capture_default_str();
  app.add_option("--sentence", s.sentences, "Sentences to classify at the end")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    const auto start = std::chrono::steady_clock::now();
    manual_seed(s.seed);
    fs::create_directories(s.output);
    // The labelled documents and a stratified train / validation / test split (70/15/15).
    Split all;
    for (std::size_t c = 0; c < s.categories.size(); ++c) {
      const auto docs = text::read_documents(s.fortunes + "/" + s.categories[c], "%");
      for (const auto& d : docs) all.texts.push_back(d), all.labels.push_back(static_cast<std::int64_t>(c));
      std::printf("%-12s %5zu fortunes\n", s.categories[c].c_str(), docs.size());
    }
    const auto [train_rows, rest] = data::stratified_split(all.label_tensor(), 0.3, s.seed);
    Split rest_split;
    for (auto r : rest) rest_split.texts.push_back(all.texts[r]), rest_split.labels.push_back(all.labels[r]);
    const auto [val_rows, test_rows] = data::stratified_split(rest_split.label_tensor(), 0.5, s.seed + 1);
    const auto pick = [](const Split& from, const std::vector<std::int64_t>& rows) {
      Split out;
      for (auto r : rows) out.texts.push_back(from.texts[r]), out.labels.push_back(from.labels[r]);
      return out;
    };
    const Split train = pick(all, train_rows), validation = pick(rest_split, val_rows), test = pick(rest_split, test_rows);
    // Unlabelled text for pre-training: the training split and every other fortune file.
    std::vector<std::string> unlabelled = train.texts;
    for (const auto& entry : fs::directory_iterator(s.fortunes)) {
      const std::string name = entry.path().filename().string();
      if (!entry.is_regular_file() || entry.path().has_extension() ||
          std::find(s.categories.begin(), s.categories.end(), name) != s.categories.end())
        continue;
      for (auto& d : text::read_documents(entry.path().string(), "%")) unlabelled.push_back(std::move(d));
    }
    std::printf("split: %zu train, %zu validation, %zu test; %zu texts for pre-training\n", train.texts.size(),
                validation.texts.size(), test.texts.size(), unlabelled.size());

    const std::string fingerprint = held_out_fingerprint(validation, test);
    // (a) The tokenizer, on the pre-training text (no validation or test text), or the earlier run's.
    const auto tok = s.pretrained.empty()
                         ? text::Tokenizer::train(unlabelled, text::TokenizerOptions().vocab_size(s.vocab))
                         : text::Tokenizer::load(s.pretrained + "/tokenizer.model");
    tok.save(s.output + "/tokenizer.model");
    const std::int64_t V = tok.vocabulary_size(), classes = static_cast<std::int64_t>(s.categories.size());
    std::printf("tokenizer: %lld pieces (%s/tokenizer.model)\n", static_cast<long long>(V), s.output.c_str());

    // (b) Masked-LM pre-training (or the earlier run's encoder). "Before" is a fresh encoder.
    std::string features_layer;
    std::shared_ptr<models::Model> reused;
    if (!s.pretrained.empty()) reused = load_pretrained(s.pretrained, fingerprint, s, features_layer);
    const Tensor x_train = tok.encode_batch(train.texts, s.length);
    const Tensor x_val = tok.encode_batch(validation.texts, s.length), x_test = tok.encode_batch(test.texts, s.length);
    auto fresh_ids = nn::Input({s.length});
    const auto fresh_features = encoder(fresh_ids, s, V);
    auto mlm = std::make_shared<models::Model>(
        fresh_ids, layers::Dense(nn::DenseOptions(V).name("mlm_head"))(fresh_features), "mlm");
    if (reused) STRATA_CHECK(reused->count_params() == mlm->count_params(), "--pretrained: the encoder has ",
                             reused->count_params(), " parameters, its recorded architecture ", mlm->count_params());
    std::printf("\n%s\n", mlm->summary().c_str());
    const auto mo = text::MaskingOptions::for_tokenizer(tok);
    const auto before = evaluate_mlm(*mlm, x_val, mo, s.seed + 99);
    std::printf("before pre-training: validation perplexity %.1f, masked-token accuracy %.3f\n", std::exp(before.loss),
                before.accuracy);
    if (reused) {
      mlm = reused;
    } else {
      features_layer = fresh_features.node()->layer->name();  // what feeds mlm_head
      pretrain(*mlm, tok.encode_batch(unlabelled, s.length), x_val, mo, s);
      io::save_model(s.output + "/pretrained_mlm.strata", *mlm, nullptr, pretraining_record(s, fingerprint, features_layer));
    }
    const auto after = evaluate_mlm(*mlm, x_val, mo, s.seed + 99);
    auto ids = mlm->input_tensors().at(0);
    const auto features = mlm->output_of(features_layer);

    // (c) Fine-tuning: the pre-trained encoder (its layers, shared) with a new head.
    const Tensor y_train = train.label_tensor(), y_val = validation.label_tensor(), y_test = test.label_tensor();
    auto finetuned = classifier(ids, features, classes, s);
    std::vector<Arm> arms;
    arms.push_back(fit_and_test("fine-tuned", finetuned, x_train, y_train, x_val, y_val, x_test, y_test, classes, s.lr,
                                s.epochs, s, s.frozen_epochs));
    {
      // The classifier's file names its tokenizer (beside it) and categories, so that
      // `strata predict classifier.strata --text "..."` reads raw text.
      io::ModelMetadata meta;
      meta.class_names = s.categories;
      meta.tokenizer = "tokenizer.model";
      meta.sequence_length = s.length;
      nlohmann::json config = nlohmann::json::object();
      meta.write_to(config);
      io::save_model(s.output + "/classifier.strata", *finetuned, nullptr, config);
    }
    // (d) From scratch: the same network with fresh weights, the same data and epochs.
    auto scratch_ids = nn::Input({s.length});
    auto scratch = classifier(scratch_ids, encoder(scratch_ids, s, V), classes, s);
    arms.push_back(fit_and_test("from scratch", scratch, x_train, y_train, x_val, y_val, x_test, y_test, classes, s.lr,
                                s.epochs, s));
    // (e) Bag of words: TF-IDF + logistic regression.
    const auto idf = inverse_document_frequency(tok, train.texts);
    auto bow_in = nn::Input({V});
    auto bow = std::make_shared<models::Model>(bow_in, layers::Dense(nn::DenseOptions(classes).activation("softmax"))(bow_in));
    arms.push_back(fit_and_test("TF-IDF + logistic regression", bow, tf_idf(tok, train.texts, idf), y_train,
                                tf_idf(tok, validation.texts, idf), y_val, tf_idf(tok, test.texts, idf), y_test, classes,
                                1e-2, 30, s));

    std::printf("\nmasked LM on the validation split: perplexity %.1f -> %.1f, masked-token accuracy %.3f -> %.3f\n",
                std::exp(before.loss), std::exp(after.loss), before.accuracy, after.accuracy);
    std::printf("\n%-30s %10s %10s %8s\n", "test split", "accuracy", "macro-F1", "epochs");
    for (const auto& a : arms) std::printf("%-30s %10.4f %10.4f %8d\n", a.name.c_str(), a.accuracy, a.macro_f1, a.epochs_run);
    std::printf("\nfine-tuned classifier, test split:\n%s\n", arms[0].report.to_string(s.categories).c_str());
    NoGradGuard no_grad;
    const Tensor probabilities = finetuned->call({Variable(tok.encode_batch(s.sentences, s.length))}, false).value();
    for (std::size_t i = 0; i < s.sentences.size(); ++i) {
      const auto row = probabilities.select(0, static_cast<std::int64_t>(i)).to_vector<float>();
      const auto best = std::max_element(row.begin(), row.end()) - row.begin();
      std::printf("\"%s\" -> %s (%.2f)\n", s.sentences[i].c_str(), s.categories[best].c_str(), row[best]);
    }
    std::printf("\nwrote %s/{tokenizer.model, %sclassifier.strata}; %.0f s in all\n", s.output.c_str(),
                reused ? "" : "pretrained_mlm.strata, ", seconds_since(start));
    std::printf("classify your own text: build/src/strata predict %s/classifier.strata --text \"...\"\n", s.output.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}
