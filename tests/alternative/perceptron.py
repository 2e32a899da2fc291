"""A correct perceptron written differently from the reference: plain Python loops."""

import numpy as np


def weighted_sum(inputs, weights, bias):
    total = float(bias)
    for x, w in zip(inputs, weights, strict=False):
        total += float(w) * float(x)
    return total


def step(z, threshold=0.0):
    return int(z > threshold)


def perceptron(inputs, weights, bias, threshold=0.0):
    return step(weighted_sum(inputs, weights, bias), threshold)


def and_gate(x1, x2):
    return perceptron((x1, x2), (0.5, 0.5), -0.75)


def predict(X, weights, bias, threshold=0.0):
    X = np.asarray(X, dtype=float)
    return np.array([perceptron(X[:, j], weights, bias, threshold) for j in range(X.shape[1])], dtype=int)


def train_perceptron(X, y, learning_rate=0.1, epochs=100):
    columns = [[float(v) for v in column] for column in np.asarray(X).T]
    weights, bias = [0.0] * len(columns[0]), 0.0
    for _ in range(epochs):
        clean = True
        for x, target in zip(columns, y, strict=False):
            error = int(target) - perceptron(x, weights, bias)
            if error:
                weights = [w + learning_rate * error * xi for w, xi in zip(weights, x, strict=False)]
                bias += learning_rate * error
                clean = False
        if clean:
            break
    return np.array(weights), bias
