"""Exercise 1: the perceptron.

Read the lesson section "Perceptron: The Simplest Neural Network" (How It Works, and
Example: AND Gate). Replace each `raise NotImplementedError` with your code, using numpy.
Run `grader check perceptron` to try the lesson's worked examples, and `grader submit
perceptron` to be graded.

Convention for this course: a batch of samples is a matrix with one sample per COLUMN,
X of shape (n_inputs, m), so the lesson's formula z = w·x + b reads literally in code.
"""

import numpy as np


def weighted_sum(inputs, weights, bias):
    """Step 1 of the perceptron: z = w1*x1 + w2*x2 + ... + wn*xn + b.

    inputs:  sequence or 1-D array of n numbers (x1 ... xn)
    weights: sequence or 1-D array of n numbers (w1 ... wn)
    bias:    a number b
    Returns z as a Python float.

    >>> weighted_sum([1, 1], [0.5, 0.5], -0.75)
    0.25
    """
    raise NotImplementedError


def step(z, threshold=0.0):
    """Steps 2-3: the step activation. Returns the int 1 if z > threshold, else the int 0.

    At exactly the threshold the output is 0 (the lesson: "If y <= threshold: output = 0").

    >>> step(0.25), step(0.0), step(-0.75)
    (1, 0, 0)
    """
    raise NotImplementedError


def perceptron(inputs, weights, bias, threshold=0.0):
    """The whole perceptron: the weighted sum of `inputs`, then the step at `threshold`.

    Same arguments as weighted_sum, plus the threshold. Returns the int 1 or 0.

    >>> perceptron([1, 1], [0.5, 0.5], -0.75)
    1
    """
    raise NotImplementedError


def and_gate(x1, x2):
    """The AND gate of the lesson: a perceptron with w1 = w2 = 0.5 and b = -0.75.

    x1, x2: 0 or 1. Returns the int 1 when both are 1, else the int 0.

    >>> [and_gate(0, 0), and_gate(0, 1), and_gate(1, 0), and_gate(1, 1)]
    [0, 0, 0, 1]
    """
    raise NotImplementedError


def predict(X, weights, bias, threshold=0.0):
    """The perceptron on a batch: one output per sample.

    X:       array of shape (n_inputs, m), one sample per column
    weights: 1-D array of n_inputs numbers
    bias:    a number
    Returns a 1-D integer array of m outputs, each 1 where z > threshold and 0 elsewhere.
    Do not modify X.

    >>> X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
    >>> predict(X, np.array([0.5, 0.5]), -0.75)
    array([0, 0, 0, 1])
    """
    raise NotImplementedError


def train_perceptron(X, y, learning_rate=0.1, epochs=100):
    """Fit a perceptron to a truth table with the perceptron learning rule.

    X: array of shape (n_inputs, m), one sample per column; y: the m target outputs (0 or 1).
    Start from weights = zeros(n_inputs) and bias = 0.0. In each epoch visit the samples in
    column order; for each, compute error = target - perceptron(x, weights, bias) and, when
    it is not 0, update
        weights = weights + learning_rate * error * x
        bias    = bias    + learning_rate * error
    Stop after the first epoch with no mistakes, or after `epochs` epochs.
    Returns (weights, bias): a 1-D float64 array of n_inputs numbers, and a float.
    Do not modify X or y.

    >>> X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
    >>> weights, bias = train_perceptron(X, [0, 0, 0, 1])
    >>> predict(X, weights, bias)
    array([0, 0, 0, 1])
    """
    raise NotImplementedError
