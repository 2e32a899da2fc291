"""Reference solution: the perceptron (lesson section "Perceptron: The Simplest Neural Network")."""

from __future__ import annotations

import numpy as np

AND_WEIGHTS = (0.5, 0.5)
AND_BIAS = -0.75


def weighted_sum(inputs, weights, bias):
    x = np.asarray(inputs, dtype=float)
    w = np.asarray(weights, dtype=float)
    return float(np.dot(w, x) + bias)


def step(z, threshold=0.0):
    return 1 if z > threshold else 0


def perceptron(inputs, weights, bias, threshold=0.0):
    return step(weighted_sum(inputs, weights, bias), threshold)


def and_gate(x1, x2):
    return perceptron([x1, x2], AND_WEIGHTS, AND_BIAS)


def predict(X, weights, bias, threshold=0.0):
    X = np.asarray(X, dtype=float)
    z = np.asarray(weights, dtype=float) @ X + bias
    return (z > threshold).astype(int)


def train_perceptron(X, y, learning_rate=0.1, epochs=100):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    weights = np.zeros(X.shape[0])
    bias = 0.0
    for _ in range(epochs):
        mistakes = 0
        for i in range(X.shape[1]):
            x = X[:, i]
            error = y[i] - perceptron(x, weights, bias)
            if error != 0:
                weights = weights + learning_rate * error * x
                bias = bias + learning_rate * error
                mistakes += 1
        if mistakes == 0:
            break
    return weights, float(bias)
