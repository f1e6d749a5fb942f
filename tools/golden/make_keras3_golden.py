#!/usr/bin/env python3
"""Golden Keras 3 files for Strata's .keras import: a CNN, two RNNs (one with Bidirectional and
TimeDistributed) and a functional model with BatchNormalization and Dropout, written in Keras 3's layout (tools/golden/keras3_numpy.py has
the layout and the NumPy forward pass), plus a weights-only `.weights.h5` file, each with an
input batch and the NumPy channels-last forward pass's output as the expected result.

usage: /usr/bin/python3 tools/golden/make_keras3_golden.py
       (writes tests/data/keras3/*.keras, *.weights.h5, *.input.npy, *.output.npy)
"""
import os

import numpy as np

from keras3_numpy import forward, write_archive, write_weights_file

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "keras3")
rng = np.random.default_rng(20261201)

DTYPE = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def layer(cls, name, inputs=None, shape=None, **config):
    """A layer entry as Keras 3 serializes it; `inputs` (names) for functional models."""
    entry = {"module": "keras.layers", "class_name": cls,
             "config": {"name": name, "trainable": True, "dtype": DTYPE, **config}, "registered_name": None}
    if shape is not None:
        entry["build_config"] = {"input_shape": shape}
    if inputs is not None:
        tensors = [{"class_name": "__keras_tensor__",
                    "config": {"shape": None, "dtype": "float32", "keras_history": [n, 0, 0]}} for n in inputs]
        entry["name"] = name
        entry["inbound_nodes"] = [{"args": tensors if len(tensors) == 1 else [tensors], "kwargs": {}}]
    return entry


def input_layer(name, batch_shape, functional=False):
    entry = {"module": "keras.layers", "class_name": "InputLayer",
             "config": {"batch_shape": batch_shape, "dtype": "float32", "sparse": False, "name": name},
             "registered_name": None}
    if functional:
        entry["name"] = name
        entry["inbound_nodes"] = []
    return entry


def sequential(name, layers):
    return {"module": "keras", "class_name": "Sequential", "registered_name": None,
            "config": {"name": name, "trainable": True, "dtype": DTYPE, "layers": layers},
            "build_config": {"input_shape": layers[0]["config"]["batch_shape"]}}


def functional(name, layers, inputs, outputs):
    return {"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
            "config": {"name": name, "trainable": True, "layers": layers,
                       "input_layers": [[n, 0, 0] for n in inputs], "output_layers": [[n, 0, 0] for n in outputs]}}


def normal(*shape, scale=0.3):
    return rng.normal(0, scale, shape).astype(np.float32)


def cnn_weights():
    return {
        "conv2d": [normal(3, 3, 2, 4), normal(4, scale=0.1)],
        "depthwise_conv2d": [normal(3, 3, 4, 2), normal(8, scale=0.1)],
        "conv2d_1": [normal(1, 1, 8, 6), normal(6, scale=0.1)],
        "dense": [normal(3 * 3 * 6, 5), normal(5, scale=0.1)],
    }


def cnn():
    config = sequential("keras3_cnn", [
        input_layer("input_layer", [None, 12, 10, 2]),
        layer("Conv2D", "conv2d", filters=4, kernel_size=[3, 3], strides=[1, 1], padding="same",
              data_format="channels_last", dilation_rate=[1, 1], groups=1, activation="relu", use_bias=True,
              kernel_initializer={"module": "keras.initializers", "class_name": "GlorotUniform",
                                  "config": {"seed": None}, "registered_name": None}),
        layer("MaxPooling2D", "max_pooling2d", pool_size=[2, 2], strides=[2, 2], padding="valid",
              data_format="channels_last"),
        layer("DepthwiseConv2D", "depthwise_conv2d", kernel_size=[3, 3], strides=[2, 2], padding="same",
              depth_multiplier=2, data_format="channels_last", dilation_rate=[1, 1], activation="tanh", use_bias=True),
        layer("Conv2D", "conv2d_1", filters=6, kernel_size=[1, 1], strides=[1, 1], padding="valid",
              data_format="channels_last", dilation_rate=[1, 1], groups=1, activation="linear", use_bias=True),
        layer("AveragePooling2D", "average_pooling2d", pool_size=[2, 2], strides=[1, 1], padding="same",
              data_format="channels_last"),
        layer("Flatten", "flatten", data_format="channels_last"),
        layer("Dense", "dense", units=5, activation="softmax", use_bias=True),
    ])
    return config, cnn_weights(), normal(3, 12, 10, 2, scale=1.0)


def rnn():
    config = sequential("keras3_rnn", [
        input_layer("input_layer", [None, 6]),
        layer("Embedding", "embedding", input_dim=20, output_dim=4, mask_zero=False),
        layer("LSTM", "lstm", units=5, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
              return_sequences=True, return_state=False, go_backwards=False, stateful=False, unroll=False,
              unit_forget_bias=True, dropout=0.0, recurrent_dropout=0.0),
        layer("GRU", "gru", units=4, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
              return_sequences=True, go_backwards=True, reset_after=True),
        layer("SimpleRNN", "simple_rnn", units=3, activation="tanh", use_bias=True, return_sequences=False),
        layer("Dense", "dense", units=3, activation="linear", use_bias=True),
    ])
    weights = {
        "embedding": [normal(20, 4, scale=1.0)],
        "lstm": [normal(4, 20), normal(5, 20), normal(20, scale=0.1)],
        "gru": [normal(5, 12), normal(4, 12), normal(2, 12, scale=0.1)],
        "simple_rnn": [normal(4, 3), normal(3, 3), normal(3, scale=0.1)],
        "dense": [normal(3, 3), normal(3, scale=0.1)],
    }
    x = rng.integers(0, 20, size=(4, 6)).astype(np.float32)
    return config, weights, x


def rnn_wrappers():
    """Bidirectional and TimeDistributed, whose weights Keras keeps in nested groups."""
    lstm = {"module": "keras.layers", "class_name": "LSTM", "registered_name": None,
            "config": {"name": "lstm", "units": 4, "return_sequences": True, "activation": "tanh",
                       "recurrent_activation": "sigmoid", "use_bias": True}}
    gru = {"module": "keras.layers", "class_name": "GRU", "registered_name": None,
           "config": {"name": "gru", "units": 3, "return_sequences": False, "reset_after": True}}
    dense = {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
             "config": {"name": "dense", "units": 5, "activation": "relu", "use_bias": True}}
    config = sequential("keras3_rnn_wrappers", [
        input_layer("input_layer", [None, 5, 3]),
        layer("Bidirectional", "bidirectional", layer=lstm, merge_mode="concat"),
        layer("TimeDistributed", "time_distributed", layer=dense),
        layer("PReLU", "p_re_lu", shared_axes=[1]),
        layer("Bidirectional", "bidirectional_1", layer=gru, merge_mode="sum"),
        layer("Dense", "out", units=2, activation="linear"),
    ])
    lstm_weights = lambda: [normal(3, 16), normal(4, 16), normal(16, scale=0.1)]
    gru_weights = lambda: [normal(5, 9), normal(3, 9), normal(2, 9, scale=0.1)]
    weights = {
        "bidirectional": lstm_weights() + lstm_weights(),
        "time_distributed": [normal(8, 5), normal(5, scale=0.1)],
        "p_re_lu": [rng.uniform(0.05, 0.5, (1, 5)).astype(np.float32)],
        "bidirectional_1": gru_weights() + gru_weights(),
        "out": [normal(3, 2), normal(2, scale=0.1)],
    }
    return config, weights, normal(3, 5, 3, scale=1.0)


def bn_dropout():
    f = functional("keras3_bn_dropout", [
        input_layer("image", [None, 8, 8, 3], functional=True),
        layer("Conv2D", "conv_a", ["image"], filters=4, kernel_size=[3, 3], strides=[1, 1], padding="same",
              activation="linear", use_bias=False),
        layer("BatchNormalization", "bn_a", ["conv_a"], axis=-1, momentum=0.99, epsilon=0.001, center=True, scale=True),
        layer("ReLU", "relu_a", ["bn_a"], max_value=6.0, negative_slope=0.0, threshold=0.0),
        layer("Conv2D", "conv_b", ["image"], filters=4, kernel_size=[1, 1], strides=[1, 1], padding="valid",
              activation="linear", use_bias=True),
        layer("Add", "add", ["relu_a", "conv_b"]),
        layer("PReLU", "prelu", ["add"], shared_axes=[1, 2]),
        layer("Concatenate", "concat", ["prelu", "conv_b"], axis=-1),
        layer("ZeroPadding2D", "pad", ["concat"], padding=[[1, 0], [0, 1]], data_format="channels_last"),
        layer("SeparableConv2D", "sep", ["pad"], filters=5, kernel_size=[3, 3], strides=[2, 2], padding="valid",
              depth_multiplier=1, activation="linear", use_bias=True),
        layer("BatchNormalization", "bn_b", ["sep"], axis=-1, momentum=0.9, epsilon=0.01, center=False, scale=True),
        layer("LeakyReLU", "leaky", ["bn_b"], negative_slope=0.2),
        layer("GlobalAveragePooling2D", "gap", ["leaky"], data_format="channels_last", keepdims=False),
        layer("Dropout", "dropout", ["gap"], rate=0.4, seed=None, noise_shape=None),
        layer("Dense", "dense", ["dropout"], units=6, activation="elu", use_bias=True),
        layer("BatchNormalization", "bn_c", ["dense"], axis=-1, momentum=0.99, epsilon=0.001, center=True, scale=False),
        layer("Dropout", "dropout_1", ["bn_c"], rate=0.2),
        layer("Dense", "logits", ["dropout_1"], units=3, activation="linear", use_bias=True),
        layer("Softmax", "softmax", ["logits"], axis=-1),
    ], ["image"], ["softmax"])
    var = lambda n: rng.uniform(0.5, 2.0, n).astype(np.float32)
    weights = {
        "conv_a": [normal(3, 3, 3, 4)],
        "bn_a": [rng.uniform(0.5, 1.5, 4).astype(np.float32), normal(4, scale=0.2), normal(4, scale=0.2), var(4)],
        "conv_b": [normal(1, 1, 3, 4), normal(4, scale=0.1)],
        "prelu": [rng.uniform(0.05, 0.5, (1, 1, 4)).astype(np.float32)],
        "sep": [normal(3, 3, 8, 1), normal(1, 1, 8, 5), normal(5, scale=0.1)],
        "bn_b": [rng.uniform(0.5, 1.5, 5).astype(np.float32), normal(5, scale=0.2), var(5)],
        "dense": [normal(5, 6), normal(6, scale=0.1)],
        "bn_c": [normal(6, scale=0.2), normal(6, scale=0.2), var(6)],
        "logits": [normal(6, 3), normal(3, scale=0.1)],
    }
    return f, weights, normal(2, 8, 8, 3, scale=1.0)


def save(name, config, weights, x):
    write_archive(os.path.join(OUT, name + ".keras"), config, weights)
    y = forward(config, weights, x.astype(np.float64))
    np.save(os.path.join(OUT, name + ".input.npy"), (x.transpose(0, 3, 1, 2) if x.ndim == 4 else x).astype(np.float32))
    np.save(os.path.join(OUT, name + ".output.npy"), y.astype(np.float32))
    print(f"{name}.keras: output {list(y.shape)}, |y| max {np.abs(y).max():.3f}")


def main():
    os.makedirs(OUT, exist_ok=True)
    made = {name: make() for name, make in (("cnn", cnn), ("rnn", rnn), ("rnn_wrappers", rnn_wrappers),
                                                 ("bn_dropout", bn_dropout))}
    for name, (config, weights, x) in made.items():
        save(name, config, weights, x)
    # A weights-only file for the CNN's architecture, with other weights than the archive's
    # (the expected output is for the same input, cnn.input.npy).
    config, _, x = made["cnn"]
    weights = cnn_weights()
    write_weights_file(os.path.join(OUT, "cnn.weights.h5"), config, weights)
    np.save(os.path.join(OUT, "cnn_weights.output.npy"), forward(config, weights, x.astype(np.float64)).astype(np.float32))
    print("cnn.weights.h5: weights only")


if __name__ == "__main__":
    main()
