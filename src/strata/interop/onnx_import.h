// ONNX import: a .onnx file (opsets 7-17) becomes an ordinary functional Model made of Strata
// layers (Conv2D, BatchNormalization, Dense, ...), so it can be frozen, fine-tuned, summarized,
// saved and exported again. Constant sub-graphs (Shape/Gather/Concat chains, Identity on
// initializers, ...) are folded at import. Anything that cannot be represented exactly is an
// error listing every offending node (name, op, attribute) — never a different network.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "strata/models/model.h"

namespace strata::interop {

struct OnnxImportOptions {
  // true: ONNX axis 0 is the batch axis (image and sequence models; the model's input shape
  // is the ONNX shape without it). false: the graph describes one example and Strata adds a
  // batch axis in front (tensor programs that act on axis 0, such as ONNX's node tests).
  bool leading_batch_axis = true;
  // Graph inputs to fix as constants (name -> value): arguments that ONNX passes as inputs,
  // such as a Reshape's shape or a Slice's bounds.
  std::map<std::string, Tensor> constant_inputs;
  // Per-example shapes to use instead of the ones the file declares (name -> shape without the
  // batch axis), e.g. {3, 96, 96} to run an ImageNet network on smaller images. Everything
  // downstream is re-derived; a Reshape that no longer fits is an error.
  std::map<std::string, Shape> input_shapes;
  std::string model_name;  // default: the graph's name
};

std::shared_ptr<models::Model> import_onnx(const std::string& path, const OnnxImportOptions& options = {});

// The graph's real inputs (not initializers), in order.
std::vector<std::string> onnx_input_names(const std::string& path);

}  // namespace strata::interop
