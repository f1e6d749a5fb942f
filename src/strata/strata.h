// Everything Strata offers, in one include.
#pragma once

#include "strata/autograd/variable.h"
#include "strata/data/idx.h"
#include "strata/kernels/kernels.h"
#include "strata/metrics/classification.h"
#include "strata/ops/ops.h"
#include "strata/optim/optimizer.h"
#include "strata/tensor/math.h"
#include "strata/tensor/random.h"
#include "strata/tensor/tensor.h"
