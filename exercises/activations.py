"""Exercise 2: activation functions and their derivatives.

Read the lesson section "Activation Functions" (Why Activation Functions?, Sigmoid Function,
ReLU, Tanh Function). Replace each `raise NotImplementedError` with your code, using numpy.
Run `grader check activations` to try the worked examples, and `grader submit activations`
to be graded.

Conventions for every function of this file:
- element-wise: z is a number (int or float) or a numpy array of any shape (ints allowed);
- a number in gives a Python float out (use float(...)); an array in gives a NEW float64
  array of the same shape out;
- never modify z (the grader passes read-only arrays: writing into one raises);
- numerically stable: no overflow warning and no nan for |z| up to 1e4 in float64
  (np.exp(1e4) overflows to inf: arrange your formula so that exp only sees z <= 0).
The derivatives take z, the pre-activation, not the activation's output: they are
f'(z), so sigmoid_derivative(0) is 0.25. Backpropagation (exercise 4) uses them.
"""

import numpy as np


def sigmoid(z):
    """sigma(z) = 1 / (1 + e^(-z)), in (0, 1); sigmoid(0) = 0.5.

    Stable for large |z|: for z < 0 use the equal form e^z / (1 + e^z).
    Mathematically sigmoid never reaches 0 or 1, but a float64 holds only about 16 digits:
    it rounds sigmoid(z) to exactly 1.0 for z above about 37, and to exactly 0.0 below about
    -745, as the last example shows.

    >>> sigmoid(0)
    0.5
    >>> np.round(sigmoid(np.array([-1.0, 0.0, 1.0])), 4)
    array([0.2689, 0.5   , 0.7311])
    >>> sigmoid(-1e4), sigmoid(1e4)
    (0.0, 1.0)
    """
    raise NotImplementedError


def sigmoid_derivative(z):
    """d sigma / dz at z: sigma(z) * (1 - sigma(z)). Takes z, NOT sigma(z).

    >>> sigmoid_derivative(0)
    0.25
    >>> round(sigmoid_derivative(2.0), 6)
    0.104994
    """
    raise NotImplementedError


def relu(z):
    """ReLU(z) = max(0, z), in [0, inf).

    >>> relu(np.array([[-2, 0, 3]]))
    array([[0., 0., 3.]])
    >>> relu(-1.5)
    0.0
    """
    raise NotImplementedError


def relu_derivative(z):
    """d ReLU / dz at z: 1.0 where z > 0, else 0.0. At exactly z = 0 the derivative is 0.0.

    >>> relu_derivative(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 1.])
    """
    raise NotImplementedError


def tanh(z):
    """tanh(z) = (e^z - e^(-z)) / (e^z + e^(-z)), in (-1, 1); an odd function.

    The formula as written overflows for large |z|: np.tanh does not.

    >>> tanh(0)
    0.0
    >>> np.round(tanh(np.array([-1.0, 0.0, 1.0])), 4)
    array([-0.7616,  0.    ,  0.7616])
    """
    raise NotImplementedError


def tanh_derivative(z):
    """d tanh / dz at z: 1 - tanh(z)^2. Takes z, NOT tanh(z).

    >>> tanh_derivative(0)
    1.0
    >>> np.round(tanh_derivative(np.array([1.0])), 4)
    array([0.42])
    """
    raise NotImplementedError
