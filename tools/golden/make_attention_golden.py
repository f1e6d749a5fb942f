#!/usr/bin/python3
"""Makes tests/golden/torch_attention_golden.json: PyTorch's nn.MultiheadAttention and
nn.TransformerEncoderLayer (float64, batch_first) on fixed inputs with random weights, with and
without masks: the outputs, the attention weights per head, and the gradients of
sum(y * g_y) [+ sum(weights * g_weights)] with respect to every input and weight. Weights are
given under Strata's names, in Strata's layout (kernels [in, out], PyTorch's transposed):

  MultiHeadAttention   query/kernel = in_proj_weight[:E].T, key/..., value/..., and
                       attention_output/kernel = out_proj.weight.T (biases as they are);
  transformer_encoder  "<block>_self_attention/..." as above, "<block>_ffn_intermediate/kernel"
                       = linear1.weight.T, "<block>_ffn_output/kernel" = linear2.weight.T,
                       "<block>_self_attention_norm/gamma" = norm1.weight, "<block>_ffn_norm/..."
                       = norm2 (PyTorch's norm1 is the one after/before the attention).

Masks: key_padding_mask (True = padding) is stored as `mask` [B, S], 1 where a key counts, and
travels on the value (Strata's Embedding(mask_zero) mask); causal is PyTorch's triangular
attn_mask, Strata's use_causal_mask.

Run from the repository root:  /usr/bin/python3 tools/golden/make_attention_golden.py
"""
import json
import pathlib

import torch
import torch.nn as nn

torch.manual_seed(11)
torch.set_default_dtype(torch.float64)


def arr(t):
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def attention_weights(mha, prefix=""):
    """Strata's names and layouts for a torch MultiheadAttention's parameters."""
    E = mha.embed_dim
    if mha._qkv_same_embed_dim:
        wq, wk, wv = mha.in_proj_weight[:E], mha.in_proj_weight[E:2 * E], mha.in_proj_weight[2 * E:]
    else:
        wq, wk, wv = mha.q_proj_weight, mha.k_proj_weight, mha.v_proj_weight
    b = mha.in_proj_bias
    return {
        prefix + "query/kernel": wq.t(), prefix + "query/bias": b[:E],
        prefix + "key/kernel": wk.t(), prefix + "key/bias": b[E:2 * E],
        prefix + "value/kernel": wv.t(), prefix + "value/bias": b[2 * E:],
        prefix + "attention_output/kernel": mha.out_proj.weight.t(), prefix + "attention_output/bias": mha.out_proj.bias,
    }


def randomize(module):
    # Biases and norms away from their zero/one initial values, so every weight is exercised.
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "bias" in name:
                p.normal_(0, 0.3)
            elif "norm" in name:
                p.uniform_(0.5, 1.5)


def grads_of(named):
    return {k: arr(v.grad) for k, v in named.items()}


def mha_case(name, B, T, S, E, H, kdim=None, vdim=None, cross=False, pad=None, causal=False, scores_loss=False):
    mha = nn.MultiheadAttention(E, H, kdim=kdim, vdim=vdim, batch_first=True)
    randomize(mha)
    query = torch.randn(B, T, E, requires_grad=True)
    key = torch.randn(B, S, kdim or E, requires_grad=True) if cross else None
    value = torch.randn(B, S, vdim or E, requires_grad=True) if cross else query
    if not cross:
        S = T
    mask = torch.ones(B, S)
    if pad:
        for b, n in enumerate(pad):
            if n:
                mask[b, S - n:] = 0
    attn_mask = torch.triu(torch.ones(T, S, dtype=torch.bool), 1) if causal else None
    y, w = mha(query, key if cross else query, value, key_padding_mask=(mask == 0) if pad else None,
               attn_mask=attn_mask, average_attn_weights=False)
    g_y, g_w = torch.randn_like(y), torch.randn_like(w)
    loss = (y * g_y).sum() + ((w * g_w).sum() if scores_loss else 0)
    loss.backward()
    config = {"num_heads": H, "key_dim": E // H, "value_dim": E // H, "use_causal_mask": causal,
              "return_attention_scores": True}
    case = {"name": name, "kind": "mha", "layer": {"class_name": "MultiHeadAttention", "config": config},
            "inputs": {"query": arr(query)}, "input_grads": {"query": arr(query.grad)},
            "y": arr(y), "g_y": arr(g_y), "scores": arr(w), "weights": {}, "grads": {}}
    if scores_loss:
        case["g_scores"] = arr(g_w)
    if cross:
        case["inputs"].update({"value": arr(value), "key": arr(key)})
        case["input_grads"].update({"value": arr(value.grad), "key": arr(key.grad)})
    if pad:
        case["mask"] = arr(mask)
    named = {k: v for k, v in attention_weights(mha).items()}
    for k, v in named.items():
        case["weights"][k] = arr(v)
    # The gradients of the transposed views are the transposed gradients.
    E_ = mha.embed_dim
    grad_in = mha.in_proj_weight.grad if mha._qkv_same_embed_dim else None
    gq = grad_in[:E_] if grad_in is not None else mha.q_proj_weight.grad
    gk = grad_in[E_:2 * E_] if grad_in is not None else mha.k_proj_weight.grad
    gv = grad_in[2 * E_:] if grad_in is not None else mha.v_proj_weight.grad
    gb = mha.in_proj_bias.grad
    case["grads"] = {"query/kernel": arr(gq.t()), "query/bias": arr(gb[:E_]), "key/kernel": arr(gk.t()),
                     "key/bias": arr(gb[E_:2 * E_]), "value/kernel": arr(gv.t()), "value/bias": arr(gb[2 * E_:]),
                     "attention_output/kernel": arr(mha.out_proj.weight.grad.t()),
                     "attention_output/bias": arr(mha.out_proj.bias.grad)}
    return case


def encoder_case(name, B, T, E, H, F, norm_first, pad=None):
    layer = nn.TransformerEncoderLayer(E, H, dim_feedforward=F, dropout=0.0, activation="gelu", batch_first=True,
                                       norm_first=norm_first, layer_norm_eps=1e-5)
    randomize(layer)
    layer.train()
    x = torch.randn(B, T, E, requires_grad=True)
    mask = torch.ones(B, T)
    if pad:
        for b, n in enumerate(pad):
            if n:
                mask[b, T - n:] = 0
    y = layer(x, src_key_padding_mask=(mask == 0) if pad else None)
    g_y = torch.randn_like(y)
    (y * g_y).sum().backward()
    p = "block_"
    weights = attention_weights(layer.self_attn, p + "self_attention/")
    weights.update({p + "ffn_intermediate/kernel": layer.linear1.weight.t(), p + "ffn_intermediate/bias": layer.linear1.bias,
                    p + "ffn_output/kernel": layer.linear2.weight.t(), p + "ffn_output/bias": layer.linear2.bias,
                    p + "self_attention_norm/gamma": layer.norm1.weight, p + "self_attention_norm/beta": layer.norm1.bias,
                    p + "ffn_norm/gamma": layer.norm2.weight, p + "ffn_norm/beta": layer.norm2.bias})
    a = layer.self_attn
    gin, gb = a.in_proj_weight.grad, a.in_proj_bias.grad
    grads = {p + "self_attention/query/kernel": gin[:E].t(), p + "self_attention/query/bias": gb[:E],
             p + "self_attention/key/kernel": gin[E:2 * E].t(), p + "self_attention/key/bias": gb[E:2 * E],
             p + "self_attention/value/kernel": gin[2 * E:].t(), p + "self_attention/value/bias": gb[2 * E:],
             p + "self_attention/attention_output/kernel": a.out_proj.weight.grad.t(),
             p + "self_attention/attention_output/bias": a.out_proj.bias.grad,
             p + "ffn_intermediate/kernel": layer.linear1.weight.grad.t(), p + "ffn_intermediate/bias": layer.linear1.bias.grad,
             p + "ffn_output/kernel": layer.linear2.weight.grad.t(), p + "ffn_output/bias": layer.linear2.bias.grad,
             p + "self_attention_norm/gamma": layer.norm1.weight.grad, p + "self_attention_norm/beta": layer.norm1.bias.grad,
             p + "ffn_norm/gamma": layer.norm2.weight.grad, p + "ffn_norm/beta": layer.norm2.bias.grad}
    case = {"name": name, "kind": "encoder",
            "encoder": {"num_heads": H, "intermediate_dim": F, "normalize_first": norm_first, "name": "block"},
            "inputs": {"query": arr(x)}, "input_grads": {"query": arr(x.grad)}, "y": arr(y), "g_y": arr(g_y),
            "weights": {k: arr(v) for k, v in weights.items()}, "grads": {k: arr(v) for k, v in grads.items()}}
    if pad:
        case["mask"] = arr(mask)
    return case


cases = [
    mha_case("self_attention", B=2, T=5, S=5, E=8, H=2, scores_loss=True),
    mha_case("self_attention_padded", B=3, T=6, S=6, E=8, H=4, pad=[0, 2, 4]),
    mha_case("self_attention_causal", B=2, T=6, S=6, E=6, H=3, causal=True),
    mha_case("cross_attention_kdim_vdim_padded", B=2, T=4, S=7, E=8, H=2, kdim=5, vdim=3, cross=True, pad=[3, 0],
             scores_loss=True),
    encoder_case("encoder_post_norm", B=2, T=5, E=8, H=2, F=16, norm_first=False),
    encoder_case("encoder_pre_norm_padded", B=3, T=6, E=8, H=4, F=12, norm_first=True, pad=[0, 1, 3]),
    encoder_case("encoder_post_norm_padded", B=2, T=7, E=12, H=3, F=20, norm_first=False, pad=[2, 0]),
]

out = pathlib.Path(__file__).resolve().parents[2] / "tests" / "golden" / "torch_attention_golden.json"
out.write_text(json.dumps({"torch_version": torch.__version__, "cases": cases}) + "\n")
print(f"wrote {out} ({len(cases)} cases)")
