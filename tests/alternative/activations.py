"""Correct activations written differently from the reference (sigmoid through tanh)."""

import numpy as np


def _out(values, z):
    return float(values) if np.ndim(z) == 0 else values


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return _out(0.5 * (1.0 + np.tanh(0.5 * z)), z)


def sigmoid_derivative(z):
    s = np.asarray(sigmoid(z))
    return _out(s - s * s, z)


def relu(z):
    z = np.asarray(z, dtype=float)
    return _out(np.where(z > 0, z, 0.0), z)


def relu_derivative(z):
    z = np.asarray(z, dtype=float)
    return _out((z > 0).astype(float), z)


def tanh(z):
    return _out(np.tanh(np.asarray(z, dtype=float)), z)


def tanh_derivative(z):
    t = np.tanh(np.asarray(z, dtype=float))
    return _out(1.0 - t * t, z)
