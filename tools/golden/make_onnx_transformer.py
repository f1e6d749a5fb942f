#!/usr/bin/python3
"""Makes tests/golden/torch_transformer_encoder.onnx and torch_transformer_encoder.json: a small
BERT-style network in PyTorch with random weights (token embedding + learned positions, a
2-layer nn.TransformerEncoder, post-norm, GELU, batch_first; a linear head on the first
position), exported by torch.onnx at opset 17 (LayerNormalization; GELU as Erf arithmetic), and
its outputs for a few token sequences. Strata imports the graph with --one-example (PyTorch's
attention moves the batch axis, so the graph is imported as one example of batch 1) and must
give the same logits.

Run from the repository root:  /usr/bin/python3 tools/golden/make_onnx_transformer.py
"""
import json
import pathlib

import torch

torch.manual_seed(5)
VOCAB, LENGTH, WIDTH, HEADS, FFN, LAYERS, CLASSES = 50, 12, 32, 4, 64, 2, 3


class TinyBert(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens = torch.nn.Embedding(VOCAB, WIDTH)
        self.positions = torch.nn.Parameter(torch.randn(LENGTH, WIDTH) * 0.1)
        layer = torch.nn.TransformerEncoderLayer(WIDTH, HEADS, FFN, dropout=0.0, activation="gelu", batch_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
        for p in self.encoder.parameters():  # LayerNorm weights away from 1/0, so they are tested
            torch.nn.init.normal_(p, 0.0, 0.2) if p.dim() == 1 else None
        self.head = torch.nn.Linear(WIDTH, CLASSES)

    def forward(self, ids):
        h = self.encoder(self.tokens(ids) + self.positions)
        return self.head(h[:, 0])


model = TinyBert().eval()
golden = pathlib.Path("tests/golden")
torch.onnx.export(model, (torch.randint(1, VOCAB, (1, LENGTH)),), golden / "torch_transformer_encoder.onnx",
                  input_names=["ids"], output_names=["logits"], opset_version=17)
ids = torch.randint(1, VOCAB, (4, LENGTH))
with torch.no_grad():
    logits = model(ids)
cases = {"ids": {"shape": list(ids.shape), "data": ids.flatten().tolist()},
         "logits": {"shape": list(logits.shape), "data": logits.double().flatten().tolist()}}
(golden / "torch_transformer_encoder.json").write_text(json.dumps(cases) + "\n")
print("wrote", golden / "torch_transformer_encoder.onnx", "and .json")
