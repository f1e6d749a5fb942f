#include "strata/interop/keras_h5.h"

#include <hdf5.h>

#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "strata/io/isolated_call.h"
#include "strata/io/json_text.h"
#include "strata/nn/layers.h"

namespace strata::interop {
namespace {

using Json = nlohmann::json;

// Owns an HDF5 handle and closes it with the right function.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

class H5File {
 public:
  explicit H5File(const std::string& path) : path_(path), file_(open(path), H5Fclose) {}
  hid_t id() const { return file_.get(); }
  const std::string& path() const { return path_; }

 private:
  static hid_t open(const std::string& path) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors are reported by us, not printed by HDF5
    STRATA_CHECK(is_hdf5_file(path), "Keras import: '", path, "' is not an HDF5 file");
    const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    STRATA_CHECK(id >= 0, "Keras import: cannot open '", path, "' (damaged HDF5 file?)");
    return id;
  }
  std::string path_;
  Handle file_;
};

bool has_attribute(hid_t object, const std::string& name) { return H5Aexists(object, name.c_str()) > 0; }

// More strings than any real model has layers or weights.
constexpr hssize_t kMaxStrings = hssize_t{1} << 20;
// A real model's strings (its config included) are read in milliseconds.
constexpr double kStringReadSeconds = 10;

// Frees HDF5's variable-length strings on every path out, errors included.
class VlenStrings {
 public:
  VlenStrings(std::size_t n, hid_t mem_type, hid_t space) : values_(n, nullptr), mem_type_(mem_type), space_(space) {}
  ~VlenStrings() { H5Dvlen_reclaim(mem_type_, space_, H5P_DEFAULT, values_.data()); }
  VlenStrings(const VlenStrings&) = delete;
  VlenStrings& operator=(const VlenStrings&) = delete;
  std::vector<char*>& values() { return values_; }

 private:
  std::vector<char*> values_;
  hid_t mem_type_, space_;
};

// A string or string-array attribute, fixed- or variable-length. Its declared size is checked
// against what the attribute stores (and so the file holds) before anything is read: a damaged
// header must not make HDF5 read or allocate far beyond the file.
std::vector<std::string> read_strings(hid_t object, const std::string& name) {
  Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  STRATA_CHECK(attr.ok(), "Keras import: attribute '", name, "' is missing");
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  STRATA_CHECK(type.ok() && space.ok(), "Keras import: attribute '", name, "' is damaged");
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  STRATA_CHECK(n >= 0, "Keras import: attribute '", name, "' is damaged");
  if (n == 0) return {};  // h5py writes an empty list (of a layer without weights) as an empty float array
  STRATA_CHECK(H5Tget_class(type.get()) == H5T_STRING, "Keras import: attribute '", name, "' is not a string");
  const hsize_t stored = H5Aget_storage_size(attr.get());
  std::vector<std::string> out;
  if (H5Tis_variable_str(type.get()) > 0) {
    // Each variable-length string is stored as a reference into the file's heap: a length and
    // a heap ID, 16 bytes with 8-byte file addresses (12 with 4-byte ones).
    STRATA_CHECK(n <= kMaxStrings && static_cast<hsize_t>(n) <= stored / 12, "Keras import: attribute '", name, "' declares ", n,
                 " strings but stores ", stored, " bytes");
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));  // ASCII (old h5py) or UTF-8 (newer h5py)
    // The strings live in the file's global heap, whose reader in libhdf5 can loop for good on
    // a damaged file: read them in a child process with a time limit. Each string comes back
    // as its length (8 bytes) and its bytes.
    const auto read = io::run_isolated(
        [&](std::string& bytes) {
          VlenStrings strings(static_cast<std::size_t>(n), mem.get(), space.get());
          if (H5Aread(attr.get(), mem.get(), strings.values().data()) < 0) return false;
          for (const char* v : strings.values()) {
            const std::uint64_t length = v ? std::strlen(v) : 0;
            bytes.append(reinterpret_cast<const char*>(&length), 8);
            if (v) bytes.append(v, length);
          }
          return true;
        },
        kStringReadSeconds);
    STRATA_CHECK(read.status != io::IsolatedResult::Status::timed_out, "Keras import: reading attribute '", name,
                 "' did not finish in ", kStringReadSeconds, " s; the file's heap is damaged");
    STRATA_CHECK(read.status == io::IsolatedResult::Status::ok, "Keras import: cannot read attribute '", name, "'");
    for (std::size_t at = 0; at < read.bytes.size();) {
      std::uint64_t length = 0;
      STRATA_CHECK(read.bytes.size() - at >= 8, "Keras import: attribute '", name, "' came back cut short");
      std::memcpy(&length, read.bytes.data() + at, 8);
      STRATA_CHECK(length <= read.bytes.size() - at - 8, "Keras import: attribute '", name, "' came back cut short");
      out.emplace_back(read.bytes, at + 8, length);
      at += 8 + length;
    }
    STRATA_CHECK(out.size() == static_cast<std::size_t>(n), "Keras import: attribute '", name, "' came back cut short");
  } else {
    const std::size_t size = H5Tget_size(type.get());
    STRATA_CHECK(size > 0 && static_cast<hsize_t>(n) <= stored / size, "Keras import: attribute '", name, "' declares ",
                 n, " strings of ", size, " bytes but stores ", stored, " bytes");
    std::vector<char> buffer(size * static_cast<std::size_t>(n) + 1, '\0');
    STRATA_CHECK(H5Aread(attr.get(), type.get(), buffer.data()) >= 0, "Keras import: cannot read attribute '", name, "'");
    for (hssize_t i = 0; i < n; ++i) {
      const char* s = buffer.data() + i * size;
      out.emplace_back(s, strnlen(s, size));  // null-padded
    }
  }
  return out;
}

Tensor read_dataset(hid_t group, const std::string& path) {
  Handle set(H5Dopen2(group, path.c_str(), H5P_DEFAULT), H5Dclose);
  STRATA_CHECK(set.ok(), "Keras import: weight dataset '", path, "' is missing");
  Handle space(H5Dget_space(set.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  Shape shape(dims.begin(), dims.end());
  Tensor t = Tensor::empty(shape);
  STRATA_CHECK(H5Dread(set.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.raw_data()) >= 0,
               "Keras import: cannot read weight '", path, "' as float");
  return t;
}

// The weights of every layer group: layer name -> (short weight name -> tensor), in file order.
std::map<std::string, std::vector<std::pair<std::string, Tensor>>> read_weights(hid_t root) {
  std::map<std::string, std::vector<std::pair<std::string, Tensor>>> out;
  for (const auto& layer : read_strings(root, "layer_names")) {
    Handle group(H5Gopen2(root, layer.c_str(), H5P_DEFAULT), H5Gclose);
    STRATA_CHECK(group.ok(), "Keras import: layer group '", layer, "' listed in layer_names is missing");
    auto& weights = out[layer];
    if (!has_attribute(group.get(), "weight_names")) continue;
    for (const auto& path : read_strings(group.get(), "weight_names")) {
      // "conv2d_1_1/kernel:0" -> "kernel"
      std::string name = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
      name = name.substr(0, name.find(':'));
      weights.emplace_back(name, read_dataset(group.get(), path));
    }
  }
  return out;
}

// A Keras weight in Strata's layout (by the weight's name: kernels are channels-last in Keras).
Tensor to_strata_layout(const std::string& name, const Tensor& w) {
  if (name == "kernel" && w.dim() == 4) return w.permute({3, 2, 0, 1}).contiguous();  // (kh,kw,in,out) -> (out,in,kh,kw)
  if (name == "depthwise_kernel" && w.dim() == 4) {  // (kh,kw,in,mult) -> (in*mult,1,kh,kw)
    const Tensor merged = w.reshape({w.size(0), w.size(1), w.size(2) * w.size(3)});
    return merged.permute({2, 0, 1}).contiguous().unsqueeze(1).contiguous();
  }
  if (name == "pointwise_kernel" && w.dim() == 4) return w.permute({3, 2, 0, 1}).contiguous();
  return w;
}

// Keras flattens feature maps as (H, W, C), Strata as (C, H, W): the rows of a Dense kernel
// that reads such a Flatten, reordered for Strata.
Tensor dense_rows_to_channels_first(const Tensor& kernel, const Shape& chw) {
  return kernel.reshape({chw[1], chw[2], chw[0], kernel.size(1)}).permute({2, 0, 1, 3}).contiguous()
      .reshape({shape_numel(chw), kernel.size(1)});
}

// (C, H, W) when layer `name` of a functional model reads a Flatten of a feature map (through
// Dropout/Activation layers), else empty.
Shape flattened_input_of(const models::Model& model, const std::string& name) {
  for (const auto& node : model.graph_nodes()) {
    if (node->layer->name() != name || node->inputs.size() != 1) continue;
    auto in = node->inputs[0];
    while ((in->layer->type() == "Dropout" || in->layer->type() == "Activation") && in->inputs.size() == 1) in = in->inputs[0];
    if (in->layer->type() == "Flatten" && in->inputs.size() == 1 && in->inputs[0]->shape.size() == 3) return in->inputs[0]->shape;
  }
  return {};
}

// Keras' channels-last axis of an image tensor -> Strata's channels-first axis (batch = 0).
std::int64_t strata_axis(std::int64_t keras_axis, std::size_t example_rank) {
  const auto full = static_cast<std::int64_t>(example_rank) + 1;
  if (keras_axis < 0) keras_axis += full;
  if (example_rank != 3) return keras_axis;
  return keras_axis == 3 ? 1 : keras_axis + 1;  // H (1) -> 2, W (2) -> 3, C (3) -> 1
}

struct Tracked {
  nn::SymbolicTensor tensor;
  Shape flattened_from;  // (C, H, W) when this is a Flatten of feature maps (Keras order differs)
};

class KerasBuilder {
 public:
  KerasBuilder(std::map<std::string, std::vector<std::pair<std::string, Tensor>>> weights) : weights_(std::move(weights)) {}

  std::shared_ptr<models::Model> build(const Json& model_config);
  std::vector<std::string> problems;

 private:
  Tracked layer(const Json& layer, const std::vector<Tracked>& inputs);
  Tracked apply(const std::string& name, const nn::LayerPtr& l, const std::vector<Tracked>& inputs, Shape flattened = {});
  Tracked input_layer(const Json& c);

  std::map<std::string, std::vector<std::pair<std::string, Tensor>>> weights_;
};

Tracked KerasBuilder::input_layer(const Json& c) {
  Shape shape;
  for (const auto& d : c.at("batch_input_shape")) {
    if (d.is_null()) continue;
    shape.push_back(d.get<std::int64_t>());
  }
  STRATA_CHECK(shape.size() == c.at("batch_input_shape").size() - 1, "Keras import: input '", c.value("name", ""),
               "' has a dimension of unknown size besides the batch axis");
  if (shape.size() == 3) shape = {shape[2], shape[0], shape[1]};  // (H, W, C) -> (C, H, W)
  return {nn::Input(shape, c.value("name", std::string("input"))), {}};
}

Tracked KerasBuilder::apply(const std::string& name, const nn::LayerPtr& l, const std::vector<Tracked>& inputs, Shape flattened) {
  l->set_name(name);
  std::vector<nn::SymbolicTensor> symbols;
  for (const auto& t : inputs) symbols.push_back(t.tensor);
  nn::SymbolicTensor out = (*l)(symbols);
  const auto it = weights_.find(name);
  if (it != weights_.end()) {
    std::map<std::string, nn::Weight*> by_name;
    for (nn::Weight* w : l->weights()) by_name[w->name] = w;
    for (const auto& [wname, value] : it->second) {
      const auto target = by_name.find(wname);
      STRATA_CHECK(target != by_name.end(), "Keras import: layer '", name, "' (", l->type(), ") has no weight '", wname, "'");
      Tensor converted = to_strata_layout(wname, value);
      // Keras flattens feature maps as (H, W, C), Strata as (C, H, W): reorder the Dense rows.
      if (wname == "kernel" && converted.dim() == 2 && inputs.size() == 1 && !inputs[0].flattened_from.empty())
        converted = dense_rows_to_channels_first(converted, inputs[0].flattened_from);
      STRATA_CHECK(converted.shape() == target->second->variable.shape(), "Keras import: layer '", name, "' weight '",
                   wname, "' has shape ", shape_str(value.shape()), " in the file; Strata expects ",
                   shape_str(target->second->variable.shape()), " (after conversion to channels-first)");
      target->second->variable.mutable_value().copy_(converted);
    }
  }
  return {out, std::move(flattened)};
}

Tracked KerasBuilder::layer(const Json& layer, const std::vector<Tracked>& in) {
  const std::string type = layer.at("class_name");
  const Json& c = layer.at("config");
  const std::string name = c.value("name", type);
  const auto size2 = [&](const char* key, nn::Size2 def) {
    if (!c.contains(key)) return def;
    const auto v = c.at(key).get<std::vector<std::int64_t>>();
    return v.size() == 1 ? nn::Size2{v[0], v[0]} : nn::Size2{v[0], v[1]};
  };
  if (c.value("data_format", std::string("channels_last")) != "channels_last")
    throw Error("data_format " + c.at("data_format").get<std::string>() + " (only channels_last, Keras' default)");
  const Shape in_shape = in.empty() ? Shape{} : in[0].tensor.shape();
  if (type == "Conv2D" || type == "SeparableConv2D" || type == "DepthwiseConv2D") {
    nn::Conv2DOptions o(c.value("filters", std::int64_t{0}), size2("kernel_size", {3, 3}));
    o.strides(size2("strides", {1, 1})).padding(c.value("padding", std::string("valid")))
        .dilation_rate(size2("dilation_rate", {1, 1})).activation(c.value("activation", std::string("linear")))
        .use_bias(c.value("use_bias", true)).depth_multiplier(c.value("depth_multiplier", std::int64_t{1}));
    if (o.activation_ == "linear") o.activation("");
    const auto kind = type == "Conv2D" ? nn::Conv2D::Kind::standard
                      : type == "SeparableConv2D" ? nn::Conv2D::Kind::separable : nn::Conv2D::Kind::depthwise;
    return apply(name, std::make_shared<nn::Conv2D>(o, kind), in);
  }
  if (type == "BatchNormalization") {
    const auto axis = c.value("axis", Json(-1));
    const std::int64_t a = axis.is_array() ? axis[0].get<std::int64_t>() : axis.get<std::int64_t>();
    STRATA_CHECK(strata_axis(a, in_shape.size()) == 1, "axis ", a, " (only the channel/feature axis is supported)");
    nn::BatchNormalizationOptions o;
    o.epsilon(c.value("epsilon", 1e-3)).momentum(c.value("momentum", 0.99)).center(c.value("center", true)).scale(c.value("scale", true));
    return apply(name, std::make_shared<nn::BatchNormalization>(o), in);
  }
  if (type == "Activation") {
    std::string a = c.at("activation");
    return apply(name, std::make_shared<nn::Activation>(a == "linear" ? "" : a), in, in[0].flattened_from);
  }
  if (type == "ReLU") {
    const Json mv = c.value("max_value", Json());
    return apply(name, std::make_shared<nn::ReLU>(mv.is_null() ? 0.0 : mv.get<double>(), c.value("negative_slope", 0.0)), in);
  }
  if (type == "LeakyReLU") return apply(name, std::make_shared<nn::LeakyReLU>(c.value("alpha", 0.3)), in);
  if (type == "Softmax") return apply(name, std::make_shared<nn::Softmax>(strata_axis(c.value("axis", std::int64_t{-1}), in_shape.size())), in);
  if (type == "MaxPooling2D" || type == "AveragePooling2D") {
    const nn::Size2 pool = size2("pool_size", {2, 2});
    return apply(name, std::make_shared<nn::Pooling2D>(type == "MaxPooling2D" ? kernels::PoolKind::max : kernels::PoolKind::avg,
                                                       pool, size2("strides", pool), c.value("padding", std::string("valid"))),
                 in);
  }
  if (type == "GlobalAveragePooling2D" || type == "GlobalMaxPooling2D")
    return apply(name, std::make_shared<nn::GlobalPooling2D>(type == "GlobalMaxPooling2D" ? kernels::PoolKind::max : kernels::PoolKind::avg,
                                                             c.value("keepdims", false)),
                 in);
  if (type == "Dense") {
    std::string a = c.value("activation", std::string("linear"));
    return apply(name, std::make_shared<nn::Dense>(nn::DenseOptions(c.at("units")).activation(a == "linear" ? "" : a).use_bias(c.value("use_bias", true))), in);
  }
  if (type == "Dropout") return apply(name, std::make_shared<nn::Dropout>(c.value("rate", 0.5)), in, in[0].flattened_from);
  if (type == "Flatten") return apply(name, std::make_shared<nn::Flatten>(), in, in_shape.size() == 3 ? in_shape : Shape{});
  if (type == "Reshape") {
    const Shape target = c.at("target_shape").get<Shape>();
    nn::SymbolicTensor x = in[0].tensor;
    if (in_shape.size() == 3)  // to Keras' (H, W, C) order first
      x = apply(name + "_to_channels_last", std::make_shared<nn::Permute>(std::vector<std::int64_t>{2, 3, 1}), {{x, {}}}).tensor;
    else
      STRATA_CHECK(in[0].flattened_from.empty(), "a Reshape of flattened feature maps");
    if (target.size() != 3) return apply(name, std::make_shared<nn::Reshape>(target), {{x, {}}});
    x = apply(name + "_channels_last", std::make_shared<nn::Reshape>(target), {{x, {}}}).tensor;
    return apply(name, std::make_shared<nn::Permute>(std::vector<std::int64_t>{3, 1, 2}), {{x, {}}});
  }
  if (type == "Add") return apply(name, std::make_shared<nn::Add>(), in);
  if (type == "Multiply") return apply(name, std::make_shared<nn::Multiply>(), in);
  if (type == "Concatenate") return apply(name, std::make_shared<nn::Concatenate>(strata_axis(c.value("axis", std::int64_t{-1}), in_shape.size())), in);
  if (type == "ZeroPadding2D") {
    const Json p = c.at("padding");
    std::array<nn::Size2, 2> pads{};
    if (p.is_number()) pads = {nn::Size2{p.get<std::int64_t>(), p.get<std::int64_t>()}, nn::Size2{p.get<std::int64_t>(), p.get<std::int64_t>()}};
    else if (p[0].is_number()) pads = {nn::Size2{p[0], p[0]}, nn::Size2{p[1], p[1]}};
    else pads = {nn::Size2{p[0][0], p[0][1]}, nn::Size2{p[1][0], p[1][1]}};
    return apply(name, std::make_shared<nn::ZeroPadding2D>(pads), in);
  }
  throw Error("layer type " + type + " is not supported");
}

std::shared_ptr<models::Model> KerasBuilder::build(const Json& model_config) {
  const std::string cls = model_config.at("class_name");
  const Json& config = model_config.at("config");
  std::map<std::string, Tracked> outputs;
  std::vector<nn::SymbolicTensor> inputs;
  Tracked last;
  auto guarded = [&](const Json& l, const std::vector<Tracked>& in) -> Tracked {
    const std::string type = l.at("class_name"), name = l.at("config").value("name", type);
    try {
      return layer(l, in);
    } catch (const std::exception& e) {
      problems.push_back("  layer '" + name + "' (" + type + "): " + e.what());
      return {};
    }
  };
  if (cls == "Sequential") {
    const Json& layers = config.is_array() ? config : config.at("layers");
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const Json& l = layers[i];
      if (i == 0) {  // the input shape: an InputLayer's, or the first layer's batch_input_shape
        Json c = l.at("config");
        if (l.at("class_name") != "InputLayer") c["name"] = c.value("name", std::string("layer")) + "_input";  // Keras' name
        last = input_layer(c);
        inputs.push_back(last.tensor);
        if (l.at("class_name") == "InputLayer") continue;
      }
      if (!last.tensor.defined()) break;
      last = guarded(l, {last});
    }
  } else if (cls == "Model" || cls == "Functional") {
    for (const Json& l : config.at("layers")) {
      const std::string name = l.at("config").value("name", std::string());
      if (l.at("class_name") == "InputLayer") {
        outputs[l.value("name", name)] = input_layer(l.at("config"));
        inputs.push_back(outputs[l.value("name", name)].tensor);
        continue;
      }
      const Json& nodes = l.at("inbound_nodes");
      if (nodes.size() != 1) {
        problems.push_back("  layer '" + name + "': called " + std::to_string(nodes.size()) + " times (shared layers are not supported)");
        continue;
      }
      std::vector<Tracked> in;
      bool ready = true;
      for (const Json& ref : nodes[0]) {
        const auto it = outputs.find(ref[0].get<std::string>());
        if (it == outputs.end() || !it->second.tensor.defined() || ref[1].get<int>() != 0 || ref[2].get<int>() != 0) ready = false;
        else in.push_back(it->second);
      }
      if (!ready) continue;  // an input failed (already reported)
      outputs[l.value("name", name)] = guarded(l, in);
    }
    const Json& outs = config.at("output_layers");
    STRATA_CHECK(outs.size() == 1, "Keras import: the model has ", outs.size(), " outputs; a Strata model has one");
    last = outputs[outs[0][0].get<std::string>()];
  } else {
    throw Error("Keras import: model class '" + cls + "' is not supported (Sequential, Model/Functional are)");
  }
  if (!problems.empty()) {
    std::string message = "Keras import: " + std::to_string(problems.size()) + " layer(s) cannot be imported:";
    for (const auto& p : problems) message += "\n" + p;
    throw Error(message);
  }
  STRATA_CHECK(last.tensor.defined() && !inputs.empty(), "Keras import: the model has no layers");
  const std::string name = config.is_object() ? config.value("name", std::string("keras_model")) : "keras_model";
  return std::make_shared<models::Model>(inputs, last.tensor, name);
}

}  // namespace

bool is_hdf5_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  in.read(magic, 8);
  return in.gcount() == 8 && std::memcmp(magic, "\x89HDF\r\n\x1a\n", 8) == 0;
}

std::shared_ptr<models::Model> import_keras_h5(const std::string& path) {
  H5File file(path);
  STRATA_CHECK(has_attribute(file.id(), "model_config"), "Keras import: '", path,
               "' is an HDF5 file but not a Keras model (no model_config attribute; a weights-only file loads into a "
               "model you build: load_keras_weights)");
  const std::vector<std::string> model_config = read_strings(file.id(), "model_config");
  STRATA_CHECK(model_config.size() == 1, "Keras import: the model_config attribute of '", path, "' holds ",
               model_config.size(), " strings; expected one");
  const Json config = io::parse_json(model_config[0], "Keras import: the model_config of '" + path + "'");
  Handle weights(H5Gopen2(file.id(), "model_weights", H5P_DEFAULT), H5Gclose);
  STRATA_CHECK(weights.ok(), "Keras import: '", path, "' has no model_weights group");
  KerasBuilder builder(read_weights(weights.get()));
  return builder.build(config);
}

void load_keras_weights(const std::string& path, models::Model& model) {
  H5File file(path);
  const bool full = H5Lexists(file.id(), "model_weights", H5P_DEFAULT) > 0;
  Handle group(H5Gopen2(file.id(), full ? "model_weights" : "/", H5P_DEFAULT), H5Gclose);
  STRATA_CHECK(group.ok() && has_attribute(group.get(), "layer_names"), "Keras weights: '", path,
               "' is not a Keras weights file (no layer_names attribute)");
  const auto weights = read_weights(group.get());
  std::vector<std::string> problems;
  std::vector<std::pair<nn::Weight*, Tensor>> plan;
  for (const auto& [layer_name, list] : weights) {
    if (list.empty()) continue;
    nn::LayerPtr layer;
    try {
      layer = model.get_layer(layer_name);
    } catch (const Error&) {
      problems.push_back("  no layer named '" + layer_name + "' in the model");
      continue;
    }
    std::map<std::string, nn::Weight*> by_name;
    for (nn::Weight* w : layer->weights()) by_name[w->name] = w;
    for (const auto& [wname, value] : list) {
      const auto it = by_name.find(wname);
      if (it == by_name.end()) {
        problems.push_back("  layer '" + layer_name + "' has no weight '" + wname + "'");
        continue;
      }
      Tensor converted = to_strata_layout(wname, value);
      if (layer->type() == "Dense" && wname == "kernel")
        if (const Shape chw = flattened_input_of(model, layer_name); !chw.empty() && shape_numel(chw) == converted.size(0))
          converted = dense_rows_to_channels_first(converted, chw);
      if (converted.shape() != it->second->variable.shape()) {
        problems.push_back("  '" + layer_name + "/" + wname + "': file " + shape_str(value.shape()) + ", model " +
                           shape_str(it->second->variable.shape()));
        continue;
      }
      plan.emplace_back(it->second, converted);
    }
  }
  if (!problems.empty()) {
    std::string message = "Keras weights: '" + path + "' does not fit the model:";
    for (const auto& p : problems) message += "\n" + p;
    throw Error(message);
  }
  for (auto& [w, t] : plan) w->variable.mutable_value().copy_(t);
}

}  // namespace strata::interop
