"""Reference solution: activation functions and their derivatives (lesson section "Activation Functions").

Every function is element-wise: a scalar (or 0-d array) gives a Python float, an array gives
a new float64 array of the same shape. Inputs are never modified.
"""

from __future__ import annotations

import numpy as np


def _floats(z):
    return np.asarray(z, dtype=np.float64)


def _result(values):
    return float(values) if values.ndim == 0 else values


def sigmoid(z):
    z = _floats(z)
    e = np.exp(-np.abs(z))  # never overflows: exp of a non-positive number
    return _result(np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)))


def sigmoid_derivative(z):
    s = _floats(sigmoid(z))
    return _result(s * (1.0 - s))


def relu(z):
    return _result(np.maximum(_floats(z), 0.0))


def relu_derivative(z):
    return _result(np.where(_floats(z) > 0, 1.0, 0.0))


def tanh(z):
    return _result(np.tanh(_floats(z)))


def tanh_derivative(z):
    t = np.tanh(_floats(z))
    return _result(1.0 - t**2)
