// Recurrent layers' computation: SimpleRNN, LSTM and GRU over a whole sequence as one
// differentiable op, with backpropagation through time written out by hand.
//
// Grouped products: the input projection of every time step is one matrix product
// ([T*B, F] x [F, G*H]) and each step does one product with the recurrent kernel for all
// gates ([B, H] x [H, G*H]); backward mirrors this (one product per step for dh, and one each
// at the end for the input, kernel and recurrent-kernel gradients). The op keeps only the
// activated gates and states per step, and the whole sequence is one graph node, so a
// 1,000-step sequence costs memory in proportion to T*B*H and no recursion.
//
// Gate order follows Keras: LSTM [i, f, c, o], GRU [z, r, h]. Time runs in the processing
// order (reversed with go_backwards), and so does the output sequence, as in Keras.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

namespace strata::ops {
namespace {

enum class Act { tanh, sigmoid, relu, linear, hard_sigmoid };

Act parse_activation(const std::string& name) {
  if (name == "tanh") return Act::tanh;
  if (name == "sigmoid") return Act::sigmoid;
  if (name == "relu") return Act::relu;
  if (name == "linear" || name.empty()) return Act::linear;
  if (name == "hard_sigmoid") return Act::hard_sigmoid;
  throw Error(detail::concat("rnn: activation \"", name, "\" is not supported in recurrent cells; expected tanh, sigmoid, ",
                             "relu, hard_sigmoid or linear"));
}

// e^x for float in a form the compiler vectorizes (Cephes' expf: x = n ln2 + r, a degree-6
// polynomial for e^r, 2^n from the exponent bits), within 2 ulp of std::exp on [-87, 88]; the
// element-wise work of a recurrent step is mostly exponentials.
inline float fast_exp(float x) {
  x = std::min(88.0f, std::max(-87.0f, x));
  const float fx = x * 1.44269504088896341f;
  const float rounded = fx + 12582912.0f;  // 1.5 * 2^23: rounds to the nearest integer
  const std::int32_t n = std::bit_cast<std::int32_t>(rounded) - 0x4B400000;
  const float nf = static_cast<float>(n);
  const float r = x - nf * 0.693359375f + nf * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float er = p * r * r + r + 1.0f;
  return er * std::bit_cast<float>((n + 127) << 23);
}
inline double fast_exp(double x) { return std::exp(x); }  // f64 (gradient checks): the exact one

template <class T>
T activate(Act a, T x) {
  switch (a) {
    case Act::tanh: return T(1) - T(2) / (fast_exp(T(2) * x) + T(1));
    case Act::sigmoid: return T(1) / (T(1) + fast_exp(-x));
    case Act::relu: return x > 0 ? x : T(0);
    case Act::linear: return x;
    case Act::hard_sigmoid: return std::min(T(1), std::max(T(0), x / T(6) + T(0.5)));
  }
  return x;
}

// activate() over n contiguous values in place, the switch outside the loop so it vectorizes.
template <class T>
void activate_span(Act a, T* v, std::int64_t n) {
  switch (a) {
    case Act::tanh:
#pragma omp simd
      for (std::int64_t i = 0; i < n; ++i) v[i] = T(1) - T(2) / (fast_exp(T(2) * v[i]) + T(1));
      return;
    case Act::sigmoid:
#pragma omp simd
      for (std::int64_t i = 0; i < n; ++i) v[i] = T(1) / (T(1) + fast_exp(-v[i]));
      return;
    default:
      for (std::int64_t i = 0; i < n; ++i) v[i] = activate(a, v[i]);
  }
}

// The derivative, from the activation's output y.
template <class T>
T derivative(Act a, T y) {
  switch (a) {
    case Act::tanh: return T(1) - y * y;
    case Act::sigmoid: return y * (T(1) - y);
    case Act::relu: return y > 0 ? T(1) : T(0);
    case Act::linear: return T(1);
    case Act::hard_sigmoid: return (y > 0 && y < 1) ? T(1) / T(6) : T(0);
  }
  return T(1);
}

// Rows x units below which the per-step element-wise work stays on one thread.
constexpr std::int64_t kParallelWork = 4096;

int gate_count(RnnCell c) { return c == RnnCell::lstm ? 4 : c == RnnCell::gru ? 3 : 1; }

// Everything one pass keeps for backward. Time-major, in processing order.
struct Saved {
  std::int64_t B, T, F, H, G;
  Tensor xt;       // [T, B, F]
  Tensor hs;       // [T+1, B, H]: hs[0] the initial state, hs[s+1] the state after step s
  Tensor cs;       // LSTM cell states [T+1, B, H]
  Tensor tc;       // LSTM activation(c) per step [T, B, H] (h = o * tc)
  Tensor gates;    // activated gates [T, B, G*H]
  Tensor extra;    // GRU: reset_after: the recurrent candidate term [T, B, H]; otherwise r * h [T, B, H]
  Tensor mask;     // [T, B] (1 keep, 0 skip) or undefined
  Tensor rmask;    // [B, H] recurrent dropout mask or undefined
  Tensor kernel, recurrent, recurrent_zr, recurrent_h;  // GRU without reset_after splits the recurrent kernel
};

Tensor row_block(const Tensor& t2d, std::int64_t block, std::int64_t H) {  // columns [block*H, (block+1)*H)
  return t2d.slice(1, block * H, (block + 1) * H).contiguous();
}

template <class T>
void forward_pass(Saved& s, const Tensor& bias, const RnnOptions& o, Act act, Act rec) {
  const std::int64_t B = s.B, TT = s.T, F = s.F, H = s.H, GH = s.G * H;
  const bool gru = o.cell == RnnCell::gru, lstm = o.cell == RnnCell::lstm;
  // Input projection for every step at once (with the input bias).
  Tensor xw = kernels::matmul(s.xt.reshape({TT * B, F}), s.kernel);
  if (bias.defined()) xw = strata::add(xw, gru && o.reset_after ? bias.select(0, 0) : bias);
  xw = xw.reshape({TT, B, GH}).contiguous();
  Tensor rec_bias;
  if (gru && o.reset_after && bias.defined()) rec_bias = bias.select(0, 1).contiguous();
  s.gates = Tensor::empty({TT, B, GH}, s.xt.dtype());
  if (gru) s.extra = Tensor::empty({TT, B, H}, s.xt.dtype());
  if (lstm) s.tc = Tensor::empty({TT, B, H}, s.xt.dtype());
  const T* m = s.mask.defined() ? s.mask.data<T>() : nullptr;
  for (std::int64_t t = 0; t < TT; ++t) {
    const Tensor h_prev = s.hs.select(0, t);
    const Tensor h_in = (s.rmask.defined() ? strata::mul(h_prev, s.rmask) : h_prev).contiguous();
    Tensor hw, hx;
    if (gru && !o.reset_after) {
      hw = kernels::matmul(h_in, s.recurrent_zr);  // [B, 2H]
    } else {
      hw = kernels::matmul(h_in, s.recurrent);  // [B, G*H]
      if (rec_bias.defined()) hw = strata::add(hw, rec_bias);
    }
    hw = hw.contiguous();
    const T* xp = xw.data<T>() + t * B * GH;
    const T* hp = hw.data<T>();
    const T* hprev = h_prev.data<T>();
    const T* hin = h_in.data<T>();
    T* g = s.gates.data<T>() + t * B * GH;
    T* h = s.hs.data<T>() + (t + 1) * B * H;
    const std::int64_t hw_cols = hw.size(1);
    if (gru && !o.reset_after) {
      // z and r first; the candidate needs (r * h) @ U_h.
      T* rh = s.extra.data<T>() + t * B * H;
#pragma omp parallel for if (B * H >= kParallelWork)
      for (std::int64_t b = 0; b < B; ++b) {
        T* gr = g + b * GH;
        for (std::int64_t j = 0; j < 2 * H; ++j) gr[j] = xp[b * GH + j] + hp[b * hw_cols + j];
        activate_span(rec, gr, 2 * H);
        for (std::int64_t j = 0; j < H; ++j) rh[b * H + j] = gr[H + j] * hin[b * H + j];
      }
      hx = kernels::matmul(s.extra.select(0, t), s.recurrent_h).contiguous();
    }
#pragma omp parallel for if (B * H >= kParallelWork)
    for (std::int64_t b = 0; b < B; ++b) {
      const bool keep = !m || m[t * B + b] != 0;
      T* hrow = h + b * H;
      const T* prow = hprev + b * H;
      if (!keep) {  // a masked step carries the state over
        for (std::int64_t j = 0; j < H; ++j) hrow[j] = prow[j];
        if (lstm)
          for (std::int64_t j = 0; j < H; ++j) s.cs.data<T>()[(t + 1) * B * H + b * H + j] = s.cs.data<T>()[t * B * H + b * H + j];
        for (std::int64_t j = 0; j < GH; ++j) g[b * GH + j] = 0;
        continue;
      }
      const T* x = xp + b * GH;
      const T* r = hp + b * hw_cols;
      T* gr = g + b * GH;
      if (o.cell == RnnCell::simple) {
        for (std::int64_t j = 0; j < H; ++j) gr[j] = x[j] + r[j];
        activate_span(act, gr, H);
        for (std::int64_t j = 0; j < H; ++j) hrow[j] = gr[j];
      } else if (lstm) {
        for (std::int64_t j = 0; j < 4 * H; ++j) gr[j] = x[j] + r[j];
        activate_span(rec, gr, 2 * H);  // i, f
        activate_span(act, gr + 2 * H, H);  // the candidate
        activate_span(rec, gr + 3 * H, H);  // o
        const T* cprev = s.cs.data<T>() + t * B * H + b * H;
        T* c = s.cs.data<T>() + (t + 1) * B * H + b * H;
        T* tc = s.tc.data<T>() + t * B * H + b * H;
        for (std::int64_t j = 0; j < H; ++j) tc[j] = c[j] = gr[H + j] * cprev[j] + gr[j] * gr[2 * H + j];
        activate_span(act, tc, H);
        for (std::int64_t j = 0; j < H; ++j) hrow[j] = gr[3 * H + j] * tc[j];
      } else {
        if (o.reset_after) {
          for (std::int64_t j = 0; j < 2 * H; ++j) gr[j] = x[j] + r[j];
          activate_span(rec, gr, 2 * H);  // z, r
          T* hrec = s.extra.data<T>() + t * B * H + b * H;
          for (std::int64_t j = 0; j < H; ++j) {
            hrec[j] = r[2 * H + j];
            gr[2 * H + j] = x[2 * H + j] + gr[H + j] * hrec[j];
          }
        } else {  // z and r are in place already; the candidate reads (r * h) @ U_h
          const T* hxr = hx.data<T>() + b * H;
          for (std::int64_t j = 0; j < H; ++j) gr[2 * H + j] = x[2 * H + j] + hxr[j];
        }
        activate_span(act, gr + 2 * H, H);
        for (std::int64_t j = 0; j < H; ++j) hrow[j] = gr[j] * prow[j] + (T(1) - gr[j]) * gr[2 * H + j];
      }
    }
  }
}

struct Grads {
  Tensor dx, dkernel, drecurrent, dbias;
  std::vector<Tensor> dstates;
};

template <class T>
Grads backward_pass(const Saved& s, const Tensor& g_packed, const RnnOptions& o, Act act, Act rec, bool has_bias) {
  const std::int64_t B = s.B, TT = s.T, F = s.F, H = s.H, GH = s.G * H;
  const bool gru = o.cell == RnnCell::gru, lstm = o.cell == RnnCell::lstm;
  const DType dt = s.xt.dtype();
  const Tensor gp = g_packed.contiguous();  // [B, T + states, H]
  const T* gout = gp.data<T>();
  const std::int64_t rows = TT + (lstm ? 2 : 1);
  auto gout_at = [&](std::int64_t b, std::int64_t t, std::int64_t j) { return gout[(b * rows + t) * H + j]; };
  Tensor dzx = Tensor::zeros({TT, B, GH}, dt), dzr = Tensor::zeros({TT, B, GH}, dt);
  Tensor dh = Tensor::empty({B, H}, dt), dc = Tensor::zeros({B, H}, dt);
  T* dhp = dh.data<T>();
  T* dcp = dc.data<T>();
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t j = 0; j < H; ++j) {
      dhp[b * H + j] = gout_at(b, TT, j);
      if (lstm) dcp[b * H + j] = gout_at(b, TT + 1, j);
    }
  const T* m = s.mask.defined() ? s.mask.data<T>() : nullptr;
  const Tensor recurrent_t = gru && !o.reset_after ? s.recurrent_zr.transpose(0, 1) : s.recurrent.transpose(0, 1);
  for (std::int64_t t = TT - 1; t >= 0; --t) {
    const T* g = s.gates.data<T>() + t * B * GH;
    const T* hprev = s.hs.data<T>() + t * B * H;
    T* zx = dzx.data<T>() + t * B * GH;
    T* zr = dzr.data<T>() + t * B * GH;
    Tensor direct = Tensor::zeros({B, H}, dt);  // gradient reaching h_prev other than through the recurrent product
    T* dir = direct.data<T>();
#pragma omp parallel for if (B * H >= kParallelWork)
    for (std::int64_t b = 0; b < B; ++b) {
      T* dhrow = dhp + b * H;
      for (std::int64_t j = 0; j < H; ++j) dhrow[j] += gout_at(b, t, j);
      if (m && m[t * B + b] == 0) {  // skipped step: everything passes to the previous state
        for (std::int64_t j = 0; j < H; ++j) dir[b * H + j] = dhrow[j];
        continue;  // dc passes unchanged; gate gradients stay zero
      }
      const T* gr = g + b * GH;
      T* zxr = zx + b * GH;
      T* zrr = zr + b * GH;
      if (o.cell == RnnCell::simple) {
        for (std::int64_t j = 0; j < H; ++j) zxr[j] = zrr[j] = dhrow[j] * derivative(act, gr[j]);
      } else if (lstm) {
        const T* tcs = s.tc.data<T>() + t * B * H + b * H;
        const T* cprev = s.cs.data<T>() + t * B * H + b * H;
        T* dcrow = dcp + b * H;
        for (std::int64_t j = 0; j < H; ++j) {
          const T i = gr[j], f = gr[H + j], cc = gr[2 * H + j], og = gr[3 * H + j];
          const T tc = tcs[j];
          const T dct = dcrow[j] + dhrow[j] * og * derivative(act, tc);
          zxr[j] = zrr[j] = dct * cc * derivative(rec, i);
          zxr[H + j] = zrr[H + j] = dct * cprev[j] * derivative(rec, f);
          zxr[2 * H + j] = zrr[2 * H + j] = dct * i * derivative(act, cc);
          zxr[3 * H + j] = zrr[3 * H + j] = dhrow[j] * tc * derivative(rec, og);
          dcrow[j] = dct * f;
        }
      } else {
        for (std::int64_t j = 0; j < H; ++j) {
          const T z = gr[j], rr = gr[H + j], hh = gr[2 * H + j];
          zxr[j] = zrr[j] = dhrow[j] * (hprev[b * H + j] - hh) * derivative(rec, z);
          const T dhh = dhrow[j] * (T(1) - z) * derivative(act, hh);
          zxr[2 * H + j] = dhh;
          if (o.reset_after) {
            const T hrec = s.extra.data<T>()[t * B * H + b * H + j];
            zxr[H + j] = zrr[H + j] = dhh * hrec * derivative(rec, rr);
            zrr[2 * H + j] = dhh * rr;
          } else {
            zrr[2 * H + j] = dhh;  // gradient of (r * h) @ U_h; the r part follows below
          }
          dir[b * H + j] = dhrow[j] * z;
        }
      }
    }
    Tensor dh_in;
    const Tensor zr_t = dzr.select(0, t);
    if (gru && !o.reset_after) {
      // d(r * h) = dhh @ U_h^T; then r's gate gradient and the h_in terms.
      const Tensor d_rh = kernels::matmul(row_block(zr_t, 2, H), s.recurrent_h.transpose(0, 1)).contiguous();
      const T* drh = d_rh.data<T>();
      const Tensor h_in_t = s.rmask.defined() ? strata::mul(s.hs.select(0, t), s.rmask).contiguous() : s.hs.select(0, t);
      const T* hin = h_in_t.data<T>();
      for (std::int64_t b = 0; b < B; ++b) {
        if (m && m[t * B + b] == 0) continue;
        for (std::int64_t j = 0; j < H; ++j) {
          const T rr = g[b * GH + H + j];
          zx[b * GH + H + j] = zr[b * GH + H + j] = drh[b * H + j] * hin[b * H + j] * derivative(rec, rr);
        }
      }
      dh_in = strata::add(kernels::matmul(zr_t.slice(1, 0, 2 * H), recurrent_t), strata::mul(d_rh, s.gates.select(0, t).slice(1, H, 2 * H)));
    } else {
      dh_in = kernels::matmul(zr_t, recurrent_t);
    }
    if (s.rmask.defined()) dh_in = strata::mul(dh_in, s.rmask);
    dh = strata::add(dh_in, direct).contiguous();  // skipped rows: `direct` passes the gradient straight through
    dhp = dh.data<T>();
  }
  Grads out;
  const Tensor zx2 = dzx.reshape({TT * B, GH}), zr2 = dzr.reshape({TT * B, GH});
  out.dkernel = kernels::matmul(s.xt.reshape({TT * B, F}).transpose(0, 1), zx2);
  out.dx = kernels::matmul(zx2, s.kernel.transpose(0, 1)).reshape({TT, B, F});
  Tensor h_in_all = s.hs.slice(0, 0, TT);
  if (s.rmask.defined()) h_in_all = strata::mul(h_in_all, s.rmask);
  const Tensor h_in2 = h_in_all.contiguous().reshape({TT * B, H});
  if (gru && !o.reset_after) {
    const Tensor d_zr = kernels::matmul(h_in2.transpose(0, 1), zr2.slice(1, 0, 2 * H));
    const Tensor d_h = kernels::matmul(s.extra.reshape({TT * B, H}).transpose(0, 1), zr2.slice(1, 2 * H, 3 * H));
    out.drecurrent = strata::concat({d_zr, d_h}, 1);
  } else {
    out.drecurrent = kernels::matmul(h_in2.transpose(0, 1), zr2);
  }
  if (has_bias) {
    const Tensor bx = strata::sum(zx2, {0});
    out.dbias = gru && o.reset_after ? strata::concat({bx.reshape({1, GH}), strata::sum(zr2, {0}).reshape({1, GH})}, 0) : bx;
  }
  out.dstates.push_back(dh);
  if (lstm) out.dstates.push_back(dc);
  return out;
}

}  // namespace

std::vector<Variable> rnn(const Variable& x, const std::vector<Variable>& initial_states, const Variable& kernel,
                          const Variable& recurrent_kernel, const Variable& bias, const RnnOptions& o, const Tensor& mask,
                          const Tensor& recurrent_dropout_mask) {
  const Act act = parse_activation(o.activation), rec = parse_activation(o.recurrent_activation);
  STRATA_CHECK(x.dim() == 3, "rnn: expected input [batch, time, features] but got ", shape_str(x.shape()));
  const std::int64_t B = x.size(0), TT = x.size(1), F = x.size(2);
  STRATA_CHECK(TT >= 1, "rnn: the sequence has no time steps");
  const int G = gate_count(o.cell);
  STRATA_CHECK(kernel.dim() == 2 && kernel.size(0) == F && kernel.size(1) % G == 0, "rnn: kernel should be [", F, ", ", G,
               "*units] but is ", shape_str(kernel.shape()));
  const std::int64_t H = kernel.size(1) / G;
  STRATA_CHECK(recurrent_kernel.shape() == Shape({H, G * H}), "rnn: recurrent kernel should be ", shape_str({H, G * H}),
               " but is ", shape_str(recurrent_kernel.shape()));
  const bool gru_ra = o.cell == RnnCell::gru && o.reset_after;
  if (bias.defined())
    STRATA_CHECK(bias.shape() == (gru_ra ? Shape{2, G * H} : Shape{G * H}), "rnn: bias should be ",
                 shape_str(gru_ra ? Shape{2, G * H} : Shape{G * H}), " but is ", shape_str(bias.shape()));
  const std::size_t n_states = o.cell == RnnCell::lstm ? 2 : 1;
  STRATA_CHECK(initial_states.empty() || initial_states.size() == n_states, "rnn: expected ", n_states,
               " initial states but got ", initial_states.size());
  for (const auto& st : initial_states)
    STRATA_CHECK(st.shape() == Shape({B, H}), "rnn: an initial state should be ", shape_str({B, H}), " but is ",
                 shape_str(st.shape()));
  const DType dt = x.dtype();
  STRATA_CHECK(dt == DType::f32 || dt == DType::f64, "rnn: expected floating-point input");
  if (mask.defined())
    STRATA_CHECK(mask.shape() == Shape({B, TT}), "rnn: mask should be ", shape_str({B, TT}), " but is ", shape_str(mask.shape()));
  if (recurrent_dropout_mask.defined())
    STRATA_CHECK(recurrent_dropout_mask.shape() == Shape({B, H}), "rnn: recurrent dropout mask should be ",
                 shape_str({B, H}), " but is ", shape_str(recurrent_dropout_mask.shape()));

  auto s = std::make_shared<Saved>();
  s->B = B, s->T = TT, s->F = F, s->H = H, s->G = G;
  // Time-major input in processing order.
  Tensor xt = x.value().transpose(0, 1);
  if (o.go_backwards) xt = strata::flip(xt, 0);
  s->xt = xt.contiguous();
  if (mask.defined()) {
    Tensor mt = mask.to(dt).transpose(0, 1);
    if (o.go_backwards) mt = strata::flip(mt, 0);
    s->mask = mt.contiguous();
  }
  if (recurrent_dropout_mask.defined()) s->rmask = recurrent_dropout_mask.to(dt).contiguous();
  s->kernel = kernel.value().contiguous();
  s->recurrent = recurrent_kernel.value().contiguous();
  if (o.cell == RnnCell::gru && !o.reset_after) {
    s->recurrent_zr = s->recurrent.slice(1, 0, 2 * H).contiguous();
    s->recurrent_h = s->recurrent.slice(1, 2 * H, 3 * H).contiguous();
  }
  s->hs = Tensor::zeros({TT + 1, B, H}, dt);
  if (!initial_states.empty()) s->hs.select(0, 0).copy_(initial_states[0].value());
  if (o.cell == RnnCell::lstm) {
    s->cs = Tensor::zeros({TT + 1, B, H}, dt);
    if (!initial_states.empty()) s->cs.select(0, 0).copy_(initial_states[1].value());
  }
  const Tensor b = bias.defined() ? bias.value().contiguous() : Tensor();
  if (dt == DType::f32)
    forward_pass<float>(*s, b, o, act, rec);
  else
    forward_pass<double>(*s, b, o, act, rec);

  // One packed output [B, T + states, H]: the sequence, then the final h (and c).
  std::vector<Tensor> parts{s->hs.slice(0, 1, TT + 1).transpose(0, 1), s->hs.slice(0, TT, TT + 1).transpose(0, 1)};
  if (o.cell == RnnCell::lstm) parts.push_back(s->cs.slice(0, TT, TT + 1).transpose(0, 1));
  const Tensor packed = strata::concat(parts, 1);

  std::vector<Variable> inputs{x, kernel, recurrent_kernel};
  inputs.push_back(bias.defined() ? bias : Variable());
  for (const auto& st : initial_states) inputs.push_back(st);
  const bool has_bias = bias.defined();
  const Variable out(packed, inputs, [s, o, act, rec, has_bias](std::vector<Variable>& in, const Tensor& g) {
    const Grads grads = s->xt.dtype() == DType::f32 ? backward_pass<float>(*s, g, o, act, rec, has_bias)
                                                    : backward_pass<double>(*s, g, o, act, rec, has_bias);
    if (in[0].requires_grad()) {
      Tensor dx = grads.dx;
      if (o.go_backwards) dx = strata::flip(dx, 0);
      in[0].accumulate_grad(dx.transpose(0, 1).contiguous());
    }
    if (in[1].requires_grad()) in[1].accumulate_grad(grads.dkernel);
    if (in[2].requires_grad()) in[2].accumulate_grad(grads.drecurrent);
    if (in[3].defined() && in[3].requires_grad()) in[3].accumulate_grad(grads.dbias);
    for (std::size_t i = 4; i < in.size(); ++i)
      if (in[i].requires_grad()) in[i].accumulate_grad(grads.dstates[i - 4]);
  });
  std::vector<Variable> results{slice(out, 1, 0, TT), reshape(slice(out, 1, TT, TT + 1), {B, H})};
  if (o.cell == RnnCell::lstm) results.push_back(reshape(slice(out, 1, TT + 1, TT + 2), {B, H}));
  return results;
}

}  // namespace strata::ops
