"""Reference solution: the forward pass (lesson sections "Multi-Layer Neural Network" and
"Forward Propagation").

Conventions: W is (n_out, n_in), b is (n_out, 1), samples are columns (X is (n_in, m));
parameters are a list of {"W", "b"} dicts; a layer's cache is
{"A_prev", "Z", "W", "b", "activation"}.
"""

from __future__ import annotations

import numpy as np

from .activations import relu, sigmoid, tanh

ACTIVATIONS = {"sigmoid": sigmoid, "relu": relu, "tanh": tanh}
LESSON_SIZES = (3, 3, 3, 2)


def init_parameters(layer_sizes, seed=0):
    rng = np.random.default_rng(seed)
    parameters = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True):
        W = rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)
        parameters.append({"W": W, "b": np.zeros((n_out, 1))})
    return parameters


def activate(Z, name):
    Z = np.asarray(Z, dtype=np.float64)
    if name == "linear":
        return Z.copy()
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}: use one of sigmoid, relu, tanh, linear")
    return np.asarray(ACTIVATIONS[name](Z), dtype=np.float64)


def dense_layer(A_prev, W, b, activation):
    A_prev = np.asarray(A_prev, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    Z = W @ A_prev + b
    A = activate(Z, activation)
    return A, {"A_prev": A_prev, "Z": Z, "W": W, "b": b, "activation": activation}


def forward_pass(X, parameters, activation_names):
    if len(activation_names) != len(parameters):
        raise ValueError(f"{len(parameters)} layers but {len(activation_names)} activation names")
    A = np.asarray(X, dtype=np.float64)
    caches = []
    for layer, name in zip(parameters, activation_names, strict=True):
        A, cache = dense_layer(A, layer["W"], layer["b"], name)
        caches.append(cache)
    return A, caches
