"""Exercise 3: the forward pass through a multi-layer network.

Read the lesson sections "Multi-Layer Neural Network" (Architecture) and "Forward
Propagation". Replace each `raise NotImplementedError` with your code, using numpy.
Run `grader check forward` to try the worked examples, and `grader submit forward` to be
graded.

Conventions of this course (the same in every exercise), chosen so that the lesson's
h = f(W · x + b) reads literally as `W @ A_prev + b`:
- a batch of m samples is a matrix with one sample per COLUMN: X has shape (n_in, m);
- a layer from n_in to n_out neurons has W of shape (n_out, n_in) and b of shape (n_out, 1)
  (a column: b broadcasts across the m columns of W @ X);
- the parameters of a network are a list with one dict per layer: [{"W": W1, "b": b1}, ...];
- activations are chosen by name: "sigmoid", "relu", "tanh" or "linear" (no activation);
- results are float64 arrays; inputs are never modified (they may be read-only).

This file uses your activation functions from exercise 2 (activations.py, in the same folder).
"""

import numpy as np

from activations import relu, sigmoid, tanh

LESSON_SIZES = (3, 3, 3, 2)  # the lesson's network: 3 inputs, two hidden layers of 3, 2 outputs


def init_parameters(layer_sizes, seed=0):
    """Random weights and zero biases for a network with the given layer sizes.

    layer_sizes: sequence of ints [n_0, n_1, ..., n_L]: n_0 inputs, then each layer's neurons.
    seed: int for rng = np.random.default_rng(seed).
    Returns a list of L dicts; layer l (from 1) is {"W": array (n_l, n_(l-1)), "b": array (n_l, 1)}.
    Make the draws in exactly this order, so that a seed always gives the same network:
    for each layer from first to last,
        W = rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)
        b = np.zeros((n_out, 1))

    >>> parameters = init_parameters(LESSON_SIZES, seed=0)
    >>> [layer["W"].shape for layer in parameters]
    [(3, 3), (3, 3), (2, 3)]
    >>> [layer["b"].shape for layer in parameters]
    [(3, 1), (3, 1), (2, 1)]
    >>> np.round(init_parameters([2, 3, 1], seed=1)[0]["W"], 4)
    array([[ 0.2444,  0.581 ],
           [ 0.2337, -0.9215],
           [ 0.6402,  0.3156]])
    """
    raise NotImplementedError


def activate(Z, name):
    """The activation f chosen by name, applied element-wise to the array Z.

    name: "sigmoid", "relu" or "tanh" (use your functions from activations.py), or "linear"
    (f(z) = z: return a float64 copy of Z). Any other name raises ValueError.
    Returns a new float64 array of Z's shape.

    >>> activate(np.array([[-1.0, 2.0]]), "relu")
    array([[0., 2.]])
    >>> activate(np.array([[-1.0, 2.0]]), "linear")
    array([[-1.,  2.]])
    """
    raise NotImplementedError


def dense_layer(A_prev, W, b, activation):
    """One fully connected layer, h = f(W · x + b), on a batch of samples.

    A_prev: array (n_in, m), one sample per column (the inputs X, or the previous layer's output)
    W: array (n_out, n_in); b: array (n_out, 1); activation: a name, as for activate.
    Computes Z = W @ A_prev + b (shape (n_out, m)) and A = activate(Z, activation).
    Returns (A, cache): A is a float64 array (n_out, m), and cache is the dict
        {"A_prev": A_prev, "Z": Z, "W": W, "b": b, "activation": activation}
    (arrays as float64), which is what backpropagation needs from this layer.

    The lesson's AND-gate perceptron as a layer with one neuron, on the four inputs:
    >>> X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
    >>> A, cache = dense_layer(X, np.array([[0.5, 0.5]]), np.array([[-0.75]]), "linear")
    >>> A
    array([[-0.75, -0.25, -0.25,  0.25]])
    >>> sorted(cache)
    ['A_prev', 'W', 'Z', 'activation', 'b']
    >>> A, cache = dense_layer(X, np.array([[0.5, 0.5]]), np.array([[-0.75]]), "sigmoid")
    >>> np.round(A, 4)
    array([[0.3208, 0.4378, 0.4378, 0.5622]])
    """
    raise NotImplementedError


def forward_pass(X, parameters, activation_names):
    """The forward pass: input -> hidden layers -> output, layer by layer with dense_layer.

    X: array (n_0, m), one sample per column (ints allowed).
    parameters: list of L dicts {"W", "b"}, as init_parameters returns.
    activation_names: list of L names, one per layer (first to last).
    Raises ValueError when the two lists differ in length.
    Returns (AL, caches): AL is the output, a float64 array (n_L, m); caches is the list of
    the L layer caches of dense_layer, first layer first.

    The lesson's 3 -> 3 -> 3 -> 2 network on a batch of two samples:
    >>> parameters = init_parameters(LESSON_SIZES, seed=0)
    >>> X = np.array([[1.0, 0.0], [0.5, -1.0], [-1.5, 2.0]])
    >>> AL, caches = forward_pass(X, parameters, ["tanh", "tanh", "sigmoid"])
    >>> np.round(AL, 4)
    array([[0.5286, 0.4185],
           [0.597 , 0.3947]])
    >>> len(caches), caches[1]["Z"].shape, caches[2]["activation"]
    (3, (3, 2), 'sigmoid')
    """
    raise NotImplementedError
