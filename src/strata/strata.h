// Everything Strata offers, in one include.
#pragma once

#include "strata/autograd/variable.h"
#include "strata/data/idx.h"
#include "strata/io/model_io.h"
#include "strata/kernels/kernels.h"
#include "strata/metrics/classification.h"
#include "strata/models/builtin.h"
#include "strata/models/model.h"
#include "strata/nn/layers.h"
#include "strata/ops/ops.h"
#include "strata/optim/optimizer.h"
#include "strata/tensor/math.h"
#include "strata/tensor/random.h"
#include "strata/tensor/tensor.h"
#include "strata/train/callbacks.h"
#include "strata/train/training.h"
