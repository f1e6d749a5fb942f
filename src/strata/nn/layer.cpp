#include "strata/nn/layer.h"

#include <algorithm>

#include <cctype>
#include <map>
#include <mutex>

#include "strata/nn/graph.h"
#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

namespace strata::nn {

std::string unique_name(const std::string& type) {
  std::string base;
  for (std::size_t i = 0; i < type.size(); ++i) {
    const char c = type[i];
    if (std::isupper(static_cast<unsigned char>(c)) && i > 0 && std::islower(static_cast<unsigned char>(type[i - 1])))
      base += '_';
    base += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  static std::mutex mutex;
  static std::map<std::string, int> counts;
  std::lock_guard<std::mutex> lock(mutex);
  const int n = counts[base]++;
  return n == 0 ? base : base + "_" + std::to_string(n);
}

Layer::Layer(std::string name) : name_(std::move(name)) {}

void Layer::set_trainable(bool trainable) {
  trainable_ = trainable;
  for (auto& w : weights_) w.variable.set_requires_grad(trainable && w.trainable);
}

void Layer::check_arity(std::size_t n) const {
  const std::size_t want = arity();
  STRATA_CHECK(want == 0 ? n >= 1 : n == want, type(), " '", name_, "': expects ", want == 0 ? "one or more" : std::to_string(want),
               " input", want == 1 ? "" : "s", " but got ", n);
}

void Layer::build_if_needed(const std::vector<Shape>& input_shapes) {
  check_arity(input_shapes.size());
  if (built_) {
    STRATA_CHECK(accepts(built_shapes_, input_shapes), type(), " '", name_, "': was built for input shape ",
                 shape_str(built_shapes_[0]), " but now receives ", shape_str(input_shapes[0]));
    return;
  }
  if (name_.empty()) name_ = unique_name(type());
  build(input_shapes);
  built_shapes_ = input_shapes;
  built_ = true;
}

void Layer::build(const std::vector<Shape>&) {}

bool same_except_time(const std::vector<Shape>& a, const std::vector<Shape>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].size() != b[i].size() || a[i].empty() || !std::equal(a[i].begin() + 1, a[i].end(), b[i].begin() + 1)) return false;
  return true;
}

Variable Layer::call(const std::vector<Variable>& inputs, bool training) {
  check_arity(inputs.size());
  std::vector<Shape> shapes;
  for (const auto& v : inputs) {
    STRATA_CHECK(v.dim() >= 1, type(), " '", name_, "': inputs need a batch axis, got a scalar");
    shapes.emplace_back(v.shape().begin() + 1, v.shape().end());
  }
  build_if_needed(shapes);
  Variable out = forward(inputs, training);
  if (propagates_mask() && !out.mask().defined() && inputs[0].mask().defined() && out.dim() >= 2 &&
      out.size(0) == inputs[0].size(0) && out.size(1) == inputs[0].size(1))
    out.set_mask(inputs[0].mask());
  return out;
}

SymbolicTensor Layer::operator()(const SymbolicTensor& x) { return (*this)(std::vector<SymbolicTensor>{x}); }

SymbolicTensor Layer::operator()(const std::vector<SymbolicTensor>& inputs) {
  std::vector<Shape> shapes;
  for (const auto& s : inputs) shapes.push_back(s.shape());
  build_if_needed(shapes);
  return SymbolicTensor::make(shared_from_this(), inputs, compute_output_shape(shapes));
}

std::vector<SymbolicTensor> Layer::all_outputs(const std::vector<SymbolicTensor>& inputs) {
  std::vector<Shape> shapes;
  for (const auto& s : inputs) shapes.push_back(s.shape());
  build_if_needed(shapes);
  return SymbolicTensor::make_all(shared_from_this(), inputs, compute_output_shapes(shapes));
}

namespace {
thread_local WeightBudget* current_budget = nullptr;
}

WeightBudget::WeightBudget(std::int64_t elements, std::string source)
    : remaining_(elements), source_(std::move(source)), outer_(current_budget) {
  current_budget = this;
}

WeightBudget::~WeightBudget() { current_budget = outer_; }

void WeightBudget::spend(const std::string& layer, const std::string& name, const Shape& shape) {
  const std::int64_t n = shape_numel(shape);
  WeightBudget* b = current_budget;
  if (!b) return;
  STRATA_CHECK(n <= b->remaining_, b->source_, ": the architecture declares more weights than the file holds (layer '",
               layer, "' weight '", name, "' of shape ", shape_str(shape), " alone needs ", n, " elements, ",
               b->remaining_, " are left)");
  b->remaining_ -= n;
}

Weight& Layer::add_weight(const std::string& name, const Shape& shape, const InitializerPtr& init, bool trainable,
                          const Regularizer& regularizer, const MaxNorm& constraint,
                          const std::vector<std::int64_t>& constraint_axes) {
  WeightBudget::spend(name_, name, shape);
  Weight w;
  w.name = name;
  w.variable = Variable(init->make(shape, default_generator()), trainable && trainable_);
  w.trainable = trainable;
  w.regularizer = regularizer;
  w.constraint = constraint;
  w.constraint_axes = constraint_axes;
  weights_.push_back(std::move(w));
  return weights_.back();
}

std::vector<Weight*> Layer::weights() {
  std::vector<Weight*> out;
  for (auto& w : weights_)
    if (w.trainable) out.push_back(&w);
  for (auto& w : weights_)
    if (!w.trainable) out.push_back(&w);
  return out;
}

std::vector<Variable> Layer::trainable_variables() {
  std::vector<Variable> out;
  for (auto* w : weights())
    if (w->variable.requires_grad()) out.push_back(w->variable);
  return out;
}

std::int64_t Layer::count_params() {
  std::int64_t n = 0;
  for (auto* w : weights()) n += w->variable.numel();
  return n;
}

std::int64_t Layer::count_trainable_params() {
  std::int64_t n = 0;
  for (auto* w : weights())
    if (w->variable.requires_grad()) n += w->variable.numel();
  return n;
}

Variable Layer::regularization_loss() {
  Variable total;
  for (auto* w : weights()) {
    if (!w->regularizer.active() || !w->variable.requires_grad()) continue;
    Variable p = w->regularizer.penalty(w->variable);
    total = total.defined() ? ops::add(total, p) : p;
  }
  return total;
}

void Layer::apply_constraints() {
  for (auto* w : weights())
    if (w->constraint.active()) w->constraint.apply(w->variable.mutable_value(), w->constraint_axes);
}

void Layer::layer_config(nlohmann::json&) const {}

nlohmann::json Layer::config() const {
  nlohmann::json c = {{"name", name_}, {"trainable", trainable_}};
  layer_config(c);
  return {{"class_name", type()}, {"config", c}};
}

std::vector<std::int64_t> example_axes(const std::vector<std::int64_t>& axes, std::size_t example_rank,
                                       const std::string& layer) {
  const auto rank = static_cast<std::int64_t>(example_rank) + 1;
  STRATA_CHECK(!axes.empty(), layer, ": needs at least one axis");
  std::vector<std::int64_t> out;
  for (auto a : axes) {
    const std::int64_t resolved = normalize_axis(a, rank, layer.c_str());
    STRATA_CHECK(resolved != 0, layer, ": axis ", a, " is the batch axis");
    out.push_back(resolved);
  }
  std::sort(out.begin(), out.end());
  STRATA_CHECK(std::adjacent_find(out.begin(), out.end()) == out.end(), layer, ": an axis is given twice");
  return out;
}

// ---------------------------------------------------------------- activations by name
namespace {
const std::map<std::string, kernels::ActivationKind>& activation_table() {
  using kernels::ActivationKind;
  static const std::map<std::string, ActivationKind> table = {
      {"relu", ActivationKind::relu},       {"relu6", ActivationKind::relu6},       {"elu", ActivationKind::elu},
      {"selu", ActivationKind::selu},       {"gelu", ActivationKind::gelu},         {"silu", ActivationKind::silu},
      {"swish", ActivationKind::silu},      {"sigmoid", ActivationKind::sigmoid},   {"tanh", ActivationKind::tanh},
      {"softplus", ActivationKind::softplus}, {"hard_sigmoid", ActivationKind::hard_sigmoid},
      {"leaky_relu", ActivationKind::leaky_relu}};
  return table;
}
}  // namespace

void check_activation_name(const std::string& name) {
  if (name.empty() || name == "linear" || name == "softmax" || activation_table().count(name)) return;
  std::string known = "linear, softmax";
  for (const auto& [k, v] : activation_table()) known += ", " + k;
  throw Error(detail::concat("activation: unknown name \"", name, "\"; expected one of: ", known));
}

Variable apply_activation(const std::string& name, const Variable& x) {
  if (name.empty() || name == "linear") return x;
  if (name == "softmax") return ops::softmax(x, 1);  // the channel/feature axis after the batch
  check_activation_name(name);
  const auto kind = activation_table().at(name);
  const double alpha = kind == kernels::ActivationKind::leaky_relu ? 0.2 : 1.0;  // Keras' leaky_relu default
  return ops::activation(kind, x, alpha);
}

}  // namespace strata::nn
