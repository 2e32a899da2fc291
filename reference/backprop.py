"""Reference solution: loss, backpropagation and gradient descent (lesson section
"Backpropagation: How Networks Learn").

Conventions as in forward.py; the loss is the mean over samples of the sum over outputs of
(predicted - actual)^2; gradients are a list of {"W", "b"} dicts shaped like the parameters.
"""

from __future__ import annotations

import numpy as np

from .activations import relu_derivative, sigmoid_derivative, tanh_derivative
from .forward import forward_pass, init_parameters

DERIVATIVES = {"sigmoid": sigmoid_derivative, "relu": relu_derivative, "tanh": tanh_derivative}


def loss(AL, Y):
    AL = np.asarray(AL, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    m = AL.shape[1]
    return float(np.sum((AL - Y) ** 2) / m)


def loss_gradient(AL, Y):
    AL = np.asarray(AL, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    m = AL.shape[1]
    return 2.0 * (AL - Y) / m


def activation_derivative(Z, name):
    Z = np.asarray(Z, dtype=np.float64)
    if name == "linear":
        return np.ones_like(Z)
    if name not in DERIVATIVES:
        raise ValueError(f"unknown activation {name!r}: use one of sigmoid, relu, tanh, linear")
    return np.asarray(DERIVATIVES[name](Z), dtype=np.float64)


def layer_backward(dA, cache):
    dA = np.asarray(dA, dtype=np.float64)
    A_prev, W = np.asarray(cache["A_prev"], dtype=np.float64), np.asarray(cache["W"], dtype=np.float64)
    dZ = dA * activation_derivative(cache["Z"], cache["activation"])
    dW = dZ @ A_prev.T
    db = np.sum(dZ, axis=1, keepdims=True)
    dA_prev = W.T @ dZ
    return dA_prev, dW, db


def backward_pass(AL, Y, caches):
    dA = loss_gradient(AL, Y)
    gradients = []
    for cache in reversed(caches):
        dA, dW, db = layer_backward(dA, cache)
        gradients.append({"W": dW, "b": db})
    gradients.reverse()
    return gradients


def gradient_step(parameters, gradients, learning_rate):
    return [
        {"W": layer["W"] - learning_rate * grad["W"], "b": layer["b"] - learning_rate * grad["b"]}
        for layer, grad in zip(parameters, gradients, strict=True)
    ]


def train(X, Y, layer_sizes, activation_names, learning_rate=1.0, max_steps=1000, tol=1e-9, seed=0):
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    parameters = init_parameters(layer_sizes, seed)
    losses = []
    for _ in range(max_steps):
        AL, caches = forward_pass(X, parameters, activation_names)
        losses.append(loss(AL, Y))
        if len(losses) > 1 and losses[-2] - losses[-1] < tol:
            break
        gradients = backward_pass(AL, Y, caches)
        parameters = gradient_step(parameters, gradients, learning_rate)
    return parameters, losses
