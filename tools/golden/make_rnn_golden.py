#!/usr/bin/python3
"""Makes tests/golden/torch_rnn_golden.json: PyTorch's nn.RNN, nn.LSTM and nn.GRU (float64)
on a fixed input with random weights and initial states: the output sequence, the final
states, and the gradients of sum(output * g_out) + sum(h_n * g_h) (+ sum(c_n * g_c)) with
respect to the input, the initial states and every weight, in PyTorch's own layout. The C++
test (tests/test_recurrent.cpp) converts the weights to Keras' layout and gate order.

Run from the repository root:  /usr/bin/python3 tools/golden/make_rnn_golden.py
"""
import json
import pathlib

import torch

torch.manual_seed(2024)
torch.set_default_dtype(torch.float64)


def arr(t):
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def case(kind, batch=3, steps=6, features=5, hidden=4):
    module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](features, hidden, batch_first=True)
    for p in module.parameters():
        torch.nn.init.uniform_(p, -0.6, 0.6)
    x = torch.randn(batch, steps, features, requires_grad=True)
    h0 = torch.randn(1, batch, hidden, requires_grad=True)
    c0 = torch.randn(1, batch, hidden, requires_grad=True)
    out, state = module(x, (h0, c0) if kind == "lstm" else h0)
    h_n = state[0] if kind == "lstm" else state
    g_out, g_h = torch.randn_like(out), torch.randn_like(h_n)
    loss = (out * g_out).sum() + (h_n * g_h).sum()
    result = {"kind": kind, "x": arr(x), "h0": arr(h0[0]), "output": arr(out), "h_n": arr(h_n[0]),
              "g_out": arr(g_out), "g_h": arr(g_h[0])}
    if kind == "lstm":
        g_c = torch.randn_like(state[1])
        loss = loss + (state[1] * g_c).sum()
        result.update({"c0": arr(c0[0]), "c_n": arr(state[1][0]), "g_c": arr(g_c[0])})
    loss.backward()
    result["grad_x"] = arr(x.grad)
    result["grad_h0"] = arr(h0.grad[0])
    if kind == "lstm":
        result["grad_c0"] = arr(c0.grad[0])
    for name in ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]:
        p = getattr(module, name)
        result[name] = arr(p)
        result["grad_" + name] = arr(p.grad)
    return result


cases = [case("rnn"), case("lstm"), case("gru")]
out = pathlib.Path(__file__).resolve().parents[2] / "tests" / "golden" / "torch_rnn_golden.json"
out.write_text(json.dumps({"torch_version": torch.__version__, "cases": cases}) + "\n")
print(f"wrote {out}")
