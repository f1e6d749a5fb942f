#include "strata/models/zoo.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>

#include "strata/nn/layers.h"

namespace strata::models {
namespace {

using nn::SymbolicTensor;
using nn::Size2;

// Named layers applied to symbolic tensors, with the options every architecture shares.
struct Builder {
  const ZooOptions& o;

  template <class L, class... Args>
  SymbolicTensor apply(const SymbolicTensor& x, Args&&... args) const {
    return (*std::make_shared<L>(std::forward<Args>(args)...))(x);
  }
  SymbolicTensor conv(const SymbolicTensor& x, const std::string& name, std::int64_t filters, Size2 kernel, std::int64_t stride = 1,
                      const std::string& padding = "same", bool bias = false, const std::string& activation = "") const {
    return apply<nn::Conv2D>(x, nn::Conv2DOptions(filters, kernel).strides({stride, stride}).padding(padding).use_bias(bias)
                                    .activation(activation).kernel_initializer("he_normal").name(name));
  }
  SymbolicTensor depthwise(const SymbolicTensor& x, const std::string& name, std::int64_t kernel, std::int64_t stride,
                           const std::string& padding) const {
    return apply<nn::Conv2D>(x, nn::Conv2DOptions(0, kernel).strides({stride, stride}).padding(padding).use_bias(false).name(name),
                             nn::Conv2D::Kind::depthwise);
  }
  SymbolicTensor separable(const SymbolicTensor& x, const std::string& name, std::int64_t filters) const {
    return apply<nn::Conv2D>(x, nn::Conv2DOptions(filters, 3).padding("same").use_bias(false).name(name),
                             nn::Conv2D::Kind::separable);
  }
  SymbolicTensor bn(const SymbolicTensor& x, const std::string& name, bool scale = true) const {
    return apply<nn::BatchNormalization>(x, nn::BatchNormalizationOptions().epsilon(o.bn_epsilon_).scale(scale).name(name));
  }
  SymbolicTensor relu(const SymbolicTensor& x, const std::string& name, double max_value = 0.0) const {
    return apply<nn::ReLU>(x, max_value, 0.0, name);
  }
  SymbolicTensor pad(const SymbolicTensor& x, const std::string& name, std::int64_t p) const {
    return apply<nn::ZeroPadding2D>(x, p, name);
  }
  SymbolicTensor pool(const SymbolicTensor& x, const std::string& name, kernels::PoolKind kind, std::int64_t size,
                      std::int64_t stride, const std::string& padding = "valid") const {
    return apply<nn::Pooling2D>(x, kind, Size2{size, size}, Size2{stride, stride}, padding, name);
  }
  SymbolicTensor add(const std::vector<SymbolicTensor>& xs, const std::string& name) const {
    return (*std::make_shared<nn::Add>(name))(xs);
  }
  SymbolicTensor concat(const std::vector<SymbolicTensor>& xs, const std::string& name) const {
    return (*std::make_shared<nn::Concatenate>(1, name))(xs);
  }
  // Global pooling and the classifier, or the pooling option without the top.
  SymbolicTensor head(SymbolicTensor x, const std::string& dense_name, const std::string& pool_name = "avg_pool") const {
    if (o.include_top_) {
      x = apply<nn::GlobalPooling2D>(x, kernels::PoolKind::avg, false, pool_name);
      return classifier(x, dense_name);
    }
    if (o.pooling_ == "avg") return apply<nn::GlobalPooling2D>(x, kernels::PoolKind::avg, false, pool_name);
    if (o.pooling_ == "max") return apply<nn::GlobalPooling2D>(x, kernels::PoolKind::max, false, "max_pool");
    return x;
  }
  SymbolicTensor classifier(const SymbolicTensor& x, const std::string& name) const {
    const std::string act = o.classifier_activation_ == "linear" ? "" : o.classifier_activation_;
    return apply<nn::Dense>(x, nn::DenseOptions(o.classes_).activation(act).name(name));
  }
};

Shape input_or(const ZooOptions& o, Shape fallback) {
  const Shape s = o.input_shape_.empty() ? fallback : o.input_shape_;
  STRATA_CHECK(s.size() == 3, "zoo: input_shape must be (channels, height, width), got ", shape_str(s));
  return s;
}

void check_options(const ZooOptions& o) {
  STRATA_CHECK(o.pooling_.empty() || o.pooling_ == "avg" || o.pooling_ == "max", "zoo: pooling must be \"\", avg or max, got \"",
               o.pooling_, "\"");
  STRATA_CHECK(o.classes_ >= 1, "zoo: classes must be positive, got ", o.classes_);
}

// ---------------------------------------------------------------- VGG
std::shared_ptr<Model> vgg(const ZooOptions& o, const std::vector<int>& convs_per_block, const std::string& name) {
  const Builder b{o};
  const Shape in = input_or(o, {3, 224, 224});
  auto inputs = nn::Input(in);
  SymbolicTensor x = inputs;
  const std::int64_t widths[] = {64, 128, 256, 512, 512};
  int index = 0;  // torchvision's position in `features`
  std::int64_t size = std::min(in[1], in[2]);
  for (std::size_t block = 0; block < 5; ++block) {
    for (int c = 0; c < convs_per_block[block]; ++c) {
      x = b.conv(x, "features." + std::to_string(index), widths[block], {3, 3}, 1, "same", true, "relu");
      index += 2;  // the conv and its ReLU
    }
    if (!o.small_input_ || size >= 2) {
      x = b.pool(x, "features." + std::to_string(index), kernels::PoolKind::max, 2, 2);
      size /= 2;
    }
    ++index;
    STRATA_CHECK(size >= 1, name, ": a ", shape_str(in), " input shrinks to nothing after block ", block + 1,
                 "; use small_input or a larger input");
  }
  if (o.include_top_) {
    x = b.apply<nn::Flatten>(x, "flatten");
    x = b.apply<nn::Dense>(x, nn::DenseOptions(4096).activation("relu").name("classifier.0"));
    x = b.apply<nn::Dense>(x, nn::DenseOptions(4096).activation("relu").name("classifier.3"));
    x = b.classifier(x, "classifier.6");
  } else {
    x = b.head(x, "", "avg_pool");
  }
  return std::make_shared<Model>(inputs, x, name);
}

// ---------------------------------------------------------------- ResNet
// Stride-2 3x3 convolutions pad 1 on every side, as torchvision (Keras' "same" would pad only
// the bottom/right of an even input).
SymbolicTensor conv3x3(const Builder& b, const SymbolicTensor& x, const std::string& name, std::int64_t filters,
                       std::int64_t stride) {
  if (stride == 1) return b.conv(x, name, filters, {3, 3}, 1, "same");
  return b.conv(b.pad(x, name + ".pad", 1), name, filters, {3, 3}, stride, "valid");
}

SymbolicTensor basic_block(const Builder& b, const SymbolicTensor& x, const std::string& p, std::int64_t planes,
                           std::int64_t stride, bool downsample) {
  SymbolicTensor y = b.relu(b.bn(conv3x3(b, x, p + ".conv1", planes, stride), p + ".bn1"), p + ".relu1");
  y = b.bn(conv3x3(b, y, p + ".conv2", planes, 1), p + ".bn2");
  SymbolicTensor shortcut = x;
  if (downsample) shortcut = b.bn(b.conv(x, p + ".downsample.0", planes, {1, 1}, stride, "valid"), p + ".downsample.1");
  return b.relu(b.add({y, shortcut}, p + ".add"), p + ".relu");
}

SymbolicTensor bottleneck(const Builder& b, const SymbolicTensor& x, const std::string& p, std::int64_t planes,
                          std::int64_t stride, bool downsample) {
  SymbolicTensor y = b.relu(b.bn(b.conv(x, p + ".conv1", planes, {1, 1}, 1, "valid"), p + ".bn1"), p + ".relu1");
  y = b.relu(b.bn(conv3x3(b, y, p + ".conv2", planes, stride), p + ".bn2"), p + ".relu2");
  y = b.bn(b.conv(y, p + ".conv3", planes * 4, {1, 1}, 1, "valid"), p + ".bn3");
  SymbolicTensor shortcut = x;
  if (downsample) shortcut = b.bn(b.conv(x, p + ".downsample.0", planes * 4, {1, 1}, stride, "valid"), p + ".downsample.1");
  return b.relu(b.add({y, shortcut}, p + ".add"), p + ".relu");
}

std::shared_ptr<Model> resnet(const ZooOptions& o, const std::vector<int>& blocks, bool bottlenecks, const std::string& name,
                              std::int64_t width = 64) {
  const Builder b{o};
  const bool compact = width < 64;  // the CIFAR-style ResNets: always the small stem
  auto inputs = nn::Input(input_or(o, compact ? Shape{1, 28, 28} : Shape{3, 224, 224}));
  SymbolicTensor x = inputs;
  if (o.small_input_ || compact) {
    x = b.relu(b.bn(b.conv(x, "conv1", width, {3, 3}, 1, "same"), "bn1"), "relu");
  } else {
    x = b.relu(b.bn(b.conv(b.pad(x, "conv1.pad", 3), "conv1", 64, {7, 7}, 2, "valid"), "bn1"), "relu");
    x = b.pool(b.pad(x, "maxpool.pad", 1), "maxpool", kernels::PoolKind::max, 3, 2);  // after ReLU: zero padding is -inf padding
  }
  std::int64_t in_channels = width;
  for (int stage = 0; stage < static_cast<int>(blocks.size()); ++stage) {
    const std::int64_t planes = width << stage;
    for (int i = 0; i < blocks[stage]; ++i) {
      const std::int64_t stride = (stage > 0 && i == 0) ? 2 : 1;
      const std::int64_t out_channels = bottlenecks ? planes * 4 : planes;
      const bool downsample = stride != 1 || in_channels != out_channels;
      const std::string p = "layer" + std::to_string(stage + 1) + "." + std::to_string(i);
      x = bottlenecks ? bottleneck(b, x, p, planes, stride, downsample) : basic_block(b, x, p, planes, stride, downsample);
      in_channels = out_channels;
    }
  }
  return std::make_shared<Model>(inputs, b.head(x, "fc", "avgpool"), name);
}

// ---------------------------------------------------------------- MobileNetV2
std::int64_t make_divisible(double v, std::int64_t divisor = 8) {
  std::int64_t n = std::max(divisor, static_cast<std::int64_t>(v + divisor / 2.0) / divisor * divisor);
  if (double(n) < 0.9 * v) n += divisor;
  return n;
}

SymbolicTensor conv_bn_relu6(const Builder& b, const SymbolicTensor& x, const std::string& p, std::int64_t filters,
                             std::int64_t kernel, std::int64_t stride, bool depthwise) {
  SymbolicTensor y = x;
  std::string padding = "same";
  if (stride != 1 && kernel > 1) {
    y = b.pad(y, p + ".pad", kernel / 2);
    padding = "valid";
  }
  y = depthwise ? b.depthwise(y, p + ".0", kernel, stride, padding) : b.conv(y, p + ".0", filters, {kernel, kernel}, stride, padding);
  return b.relu(b.bn(y, p + ".1"), p + ".2", 6.0);
}

std::shared_ptr<Model> mobilenet_v2(const ZooOptions& o) {
  const Builder b{o};
  auto inputs = nn::Input(input_or(o, {3, 224, 224}));
  const double alpha = o.alpha_;
  STRATA_CHECK(alpha > 0, "mobilenet_v2: alpha must be positive, got ", alpha);
  std::int64_t channels = make_divisible(32 * alpha);
  SymbolicTensor x = conv_bn_relu6(b, inputs, "features.0", channels, 3, o.small_input_ ? 1 : 2, false);
  // (expansion t, output channels c, repeats n, first stride s), as in the paper and torchvision
  const int settings[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
                              {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  int index = 1;
  for (int g = 0; g < 7; ++g) {
    const auto [t, c, n, s] = settings[g];
    const std::int64_t out = make_divisible(c * alpha);
    for (int i = 0; i < n; ++i, ++index) {
      std::int64_t stride = i == 0 ? s : 1;
      if (o.small_input_ && g == 1 && i == 0) stride = 1;
      const std::string p = "features." + std::to_string(index) + ".conv";
      const std::int64_t hidden = channels * t;
      SymbolicTensor y = x;
      int k = 0;
      if (t != 1) y = conv_bn_relu6(b, y, p + "." + std::to_string(k++), hidden, 1, 1, false);
      y = conv_bn_relu6(b, y, p + "." + std::to_string(k++), hidden, 3, stride, true);
      y = b.conv(y, p + "." + std::to_string(k++), out, {1, 1}, 1, "valid");
      y = b.bn(y, p + "." + std::to_string(k));
      if (stride == 1 && channels == out) y = b.add({x, y}, "features." + std::to_string(index) + ".add");
      x = y;
      channels = out;
    }
  }
  const std::int64_t last = make_divisible(1280 * std::max(1.0, alpha));
  x = conv_bn_relu6(b, x, "features." + std::to_string(index), last, 1, 1, false);
  return std::make_shared<Model>(inputs, b.head(x, "classifier.1", "avgpool"), "mobilenet_v2");
}

// ---------------------------------------------------------------- InceptionV3 (Keras Applications)
struct Inception {
  const Builder& b;
  int count = 0;
  // Keras' conv2d_bn: convolution without bias, batch norm without scale, ReLU.
  SymbolicTensor cbr(const SymbolicTensor& x, std::int64_t filters, std::int64_t rows, std::int64_t cols, std::int64_t stride = 1,
                     const std::string& padding = "same") {
    const std::string suffix = count ? "_" + std::to_string(count) : "";
    ++count;
    SymbolicTensor y = b.conv(x, "conv2d" + suffix, filters, {rows, cols}, stride, padding);
    return b.relu(b.bn(y, "batch_normalization" + suffix, false), "activation" + suffix);
  }
};

// The input of the 299x299 Keras networks, which have no small-input variant and need at
// least `min` pixels a side.
Shape large_input(const ZooOptions& o, const char* name, std::int64_t min) {
  STRATA_CHECK(!o.small_input_, name, " has no small-input variant: it needs at least ", min, "x", min,
               " inputs; resize the images");
  const Shape in = input_or(o, {3, 299, 299});
  STRATA_CHECK(in[1] >= min && in[2] >= min, name, ": the input must be at least ", min, "x", min, ", got ", shape_str(in));
  return in;
}

std::shared_ptr<Model> inception_v3(const ZooOptions& o) {
  const Builder b{o};
  const Shape in = large_input(o, "inception_v3", 75);
  auto inputs = nn::Input(in);
  Inception n{b};
  auto avg_same = [&](const SymbolicTensor& x, const std::string& name) {
    return b.pool(x, name, kernels::PoolKind::avg, 3, 1, "same");
  };
  SymbolicTensor x = n.cbr(inputs, 32, 3, 3, 2, "valid");
  x = n.cbr(x, 32, 3, 3, 1, "valid");
  x = n.cbr(x, 64, 3, 3);
  x = b.pool(x, "max_pooling2d", kernels::PoolKind::max, 3, 2);
  x = n.cbr(x, 80, 1, 1, 1, "valid");
  x = n.cbr(x, 192, 3, 3, 1, "valid");
  x = b.pool(x, "max_pooling2d_1", kernels::PoolKind::max, 3, 2);
  int pools = 0;
  for (int i = 0; i < 3; ++i) {  // mixed0-2: 35x35
    SymbolicTensor b1 = n.cbr(x, 64, 1, 1);
    SymbolicTensor b5 = n.cbr(n.cbr(x, 48, 1, 1), 64, 5, 5);
    SymbolicTensor b3 = n.cbr(n.cbr(n.cbr(x, 64, 1, 1), 96, 3, 3), 96, 3, 3);
    SymbolicTensor bp = n.cbr(avg_same(x, "average_pooling2d" + (pools ? "_" + std::to_string(pools) : "")), i == 0 ? 32 : 64, 1, 1);
    ++pools;
    x = b.concat({b1, b5, b3, bp}, "mixed" + std::to_string(i));
  }
  {  // mixed3: 17x17
    SymbolicTensor b3 = n.cbr(x, 384, 3, 3, 2, "valid");
    SymbolicTensor bd = n.cbr(n.cbr(n.cbr(x, 64, 1, 1), 96, 3, 3), 96, 3, 3, 2, "valid");
    SymbolicTensor bp = b.pool(x, "max_pooling2d_2", kernels::PoolKind::max, 3, 2);
    x = b.concat({b3, bd, bp}, "mixed3");
  }
  const std::int64_t widths[] = {128, 160, 160, 192};
  for (int i = 0; i < 4; ++i) {  // mixed4-7
    const std::int64_t w = widths[i];
    SymbolicTensor b1 = n.cbr(x, 192, 1, 1);
    SymbolicTensor b7 = n.cbr(n.cbr(n.cbr(x, w, 1, 1), w, 1, 7), 192, 7, 1);
    SymbolicTensor bd = n.cbr(x, w, 1, 1);
    bd = n.cbr(n.cbr(n.cbr(n.cbr(bd, w, 7, 1), w, 1, 7), w, 7, 1), 192, 1, 7);
    SymbolicTensor bp = n.cbr(avg_same(x, "average_pooling2d_" + std::to_string(pools++)), 192, 1, 1);
    x = b.concat({b1, b7, bd, bp}, "mixed" + std::to_string(4 + i));
  }
  {  // mixed8: 8x8
    SymbolicTensor b3 = n.cbr(n.cbr(x, 192, 1, 1), 320, 3, 3, 2, "valid");
    SymbolicTensor b7 = n.cbr(n.cbr(n.cbr(n.cbr(x, 192, 1, 1), 192, 1, 7), 192, 7, 1), 192, 3, 3, 2, "valid");
    SymbolicTensor bp = b.pool(x, "max_pooling2d_3", kernels::PoolKind::max, 3, 2);
    x = b.concat({b3, b7, bp}, "mixed8");
  }
  for (int i = 0; i < 2; ++i) {  // mixed9-10
    SymbolicTensor b1 = n.cbr(x, 320, 1, 1);
    SymbolicTensor b3 = n.cbr(x, 384, 1, 1);
    b3 = b.concat({n.cbr(b3, 384, 1, 3), n.cbr(b3, 384, 3, 1)}, "mixed9_" + std::to_string(i));
    SymbolicTensor bd = n.cbr(n.cbr(x, 448, 1, 1), 384, 3, 3);
    bd = b.concat({n.cbr(bd, 384, 1, 3), n.cbr(bd, 384, 3, 1)}, "concatenate" + (i ? "_" + std::to_string(i) : ""));
    SymbolicTensor bp = n.cbr(avg_same(x, "average_pooling2d_" + std::to_string(pools++)), 192, 1, 1);
    x = b.concat({b1, b3, bd, bp}, "mixed" + std::to_string(9 + i));
  }
  return std::make_shared<Model>(inputs, b.head(x, "predictions"), "inception_v3");
}

// ---------------------------------------------------------------- Xception (Keras Applications)
std::shared_ptr<Model> xception(const ZooOptions& o) {
  const Builder b{o};
  const Shape in = large_input(o, "xception", 71);
  auto inputs = nn::Input(in);
  SymbolicTensor x = b.relu(b.bn(b.conv(inputs, "block1_conv1", 32, {3, 3}, 2, "valid"), "block1_conv1_bn"), "block1_conv1_act");
  x = b.relu(b.bn(b.conv(x, "block1_conv2", 64, {3, 3}, 1, "valid"), "block1_conv2_bn"), "block1_conv2_act");
  int shortcut = 0;
  auto entry = [&](const SymbolicTensor& in_x, int block, std::int64_t f1, std::int64_t f2, bool relu_first) {
    const std::string suffix = shortcut ? "_" + std::to_string(shortcut) : "";
    SymbolicTensor residual = b.bn(b.conv(in_x, "conv2d" + suffix, f2, {1, 1}, 2, "same"), "batch_normalization" + suffix);
    ++shortcut;
    const std::string p = "block" + std::to_string(block);
    SymbolicTensor y = relu_first ? b.relu(in_x, p + "_sepconv1_act") : in_x;
    y = b.bn(b.separable(y, p + "_sepconv1", f1), p + "_sepconv1_bn");
    y = b.bn(b.separable(b.relu(y, p + "_sepconv2_act"), p + "_sepconv2", f2), p + "_sepconv2_bn");
    y = b.pool(y, p + "_pool", kernels::PoolKind::max, 3, 2, "same");
    return b.add({y, residual}, "add" + std::string(block > 2 ? "_" + std::to_string(block - 2) : ""));
  };
  x = entry(x, 2, 128, 128, false);
  x = entry(x, 3, 256, 256, true);
  x = entry(x, 4, 728, 728, true);
  for (int block = 5; block <= 12; ++block) {
    const std::string p = "block" + std::to_string(block);
    SymbolicTensor y = x;
    for (int k = 1; k <= 3; ++k) {
      const std::string s = p + "_sepconv" + std::to_string(k);
      y = b.bn(b.separable(b.relu(y, s + "_act"), s, 728), s + "_bn");
    }
    x = b.add({y, x}, "add_" + std::to_string(block - 2));
  }
  x = entry(x, 13, 728, 1024, true);
  x = b.relu(b.bn(b.separable(x, "block14_sepconv1", 1536), "block14_sepconv1_bn"), "block14_sepconv1_act");
  x = b.relu(b.bn(b.separable(x, "block14_sepconv2", 2048), "block14_sepconv2_bn"), "block14_sepconv2_act");
  return std::make_shared<Model>(inputs, b.head(x, "predictions"), "xception");
}

}  // namespace

std::vector<std::string> zoo_names() {
  return {"vgg16", "vgg19", "resnet18", "resnet34", "resnet50", "resnet_compact", "mobilenet_v2", "inception_v3", "xception"};
}

std::shared_ptr<Model> zoo(const std::string& name, const ZooOptions& o) {
  check_options(o);
  if (name == "vgg16") return vgg(o, {2, 2, 3, 3, 3}, "vgg16");
  if (name == "vgg19") return vgg(o, {2, 2, 4, 4, 4}, "vgg19");
  if (name == "resnet18") return resnet(o, {2, 2, 2, 2}, false, "resnet18");
  if (name == "resnet34") return resnet(o, {3, 4, 6, 3}, false, "resnet34");
  if (name == "resnet50") return resnet(o, {3, 4, 6, 3}, true, "resnet50");
  if (name == "resnet_compact") return resnet(o, {2, 2, 2}, false, "resnet_compact", 16);
  if (name == "mobilenet_v2") return mobilenet_v2(o);
  if (name == "inception_v3") return inception_v3(o);
  if (name == "xception") return xception(o);
  std::string known;
  for (const auto& n : zoo_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error(detail::concat("zoo: unknown model \"", name, "\"; expected one of ", known));
}

}  // namespace strata::models
