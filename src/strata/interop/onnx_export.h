// ONNX export (opset 13): a Strata model built from supported layers becomes an ONNX graph
// that onnx.checker accepts and import_onnx reads back to the same network. The batch axis is
// symbolic ("batch"). A layer without an ONNX equivalent is an error naming every such layer.
#pragma once

#include <string>

#include "strata/models/model.h"

namespace strata::interop {

// Writes atomically: a failed export leaves an existing file untouched.
void export_onnx(models::Model& model, const std::string& path);

}  // namespace strata::interop
