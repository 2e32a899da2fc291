"""Exercise 4: learning by backpropagation and gradient descent.

Read the lesson section "Backpropagation: How Networks Learn" (The Learning Process, Gradient
Descent Visualization). Replace each `raise NotImplementedError` with your code, using numpy.
Run `grader check backprop` to try the worked examples, and `grader submit backprop` to be
graded.

Conventions (the same as in forward.py): samples are columns (X is (n_in, m), the outputs
AL and targets Y are (n_L, m)); W is (n_out, n_in) and b is (n_out, 1); parameters are a
list of {"W", "b"} dicts and a layer cache is {"A_prev", "Z", "W", "b", "activation"}.
Gradients have the layout of the parameters: a list of {"W": dL/dW, "b": dL/db} dicts, each
array of the same shape as the parameter it belongs to. Results are float64 arrays; inputs
are never modified (they may be read-only).

The loss is the lesson's Loss = (predicted - actual)^2, summed over the outputs of a sample
and averaged over the m samples:  L = sum((AL - Y)^2) / m   (no factor 1/2).

This file uses your forward pass (forward.py) and your activation derivatives
(activations.py) from the same folder.
"""

import numpy as np

from activations import relu_derivative, sigmoid_derivative, tanh_derivative
from forward import forward_pass, init_parameters


def loss(AL, Y):
    """The squared-error loss: sum over all entries of (AL - Y)^2, divided by m = number of columns.

    AL, Y: arrays (n_L, m) of predictions and targets (ints allowed). Returns a Python float.
    With one output and one sample it is the lesson's (predicted - actual)^2.

    >>> round(loss(np.array([[0.8]]), np.array([[1.0]])), 6)
    0.04
    >>> loss(np.array([[0.5, 1.0], [0.0, 1.0]]), np.array([[1.0, 1.0], [0.0, 0.0]]))
    0.625
    """
    raise NotImplementedError


def loss_gradient(AL, Y):
    """dL/dAL, the gradient of loss(AL, Y) with respect to AL: 2 * (AL - Y) / m.

    Returns a float64 array of AL's shape (n_L, m).

    >>> loss_gradient(np.array([[0.5, 1.0], [0.0, 1.0]]), np.array([[1.0, 1.0], [0.0, 0.0]]))
    array([[-0.5,  0. ],
           [ 0. ,  1. ]])
    """
    raise NotImplementedError


def activation_derivative(Z, name):
    """f'(Z) for the activation chosen by name, element-wise on the pre-activations Z.

    name: "sigmoid", "relu", "tanh" (use your derivatives from activations.py, which take z)
    or "linear" (f'(z) = 1). Any other name raises ValueError. ReLU's derivative at 0 is 0.
    Returns a float64 array of Z's shape.

    >>> activation_derivative(np.array([[-1.0, 0.0, 2.0]]), "relu")
    array([[0., 0., 1.]])
    >>> np.round(activation_derivative(np.array([[0.0, 2.0]]), "sigmoid"), 4)
    array([[0.25 , 0.105]])
    """
    raise NotImplementedError


def layer_backward(dA, cache):
    """Backward through one dense layer, by the chain rule.

    dA: dL/dA for this layer's output, array (n_out, m); cache: this layer's dict from
    dense_layer, {"A_prev": (n_in, m), "Z": (n_out, m), "W": (n_out, n_in), "b": (n_out, 1),
    "activation": name}.
        dZ      = dA * f'(Z)                   (element-wise; f' = activation_derivative)
        dW      = dZ @ A_prev.T                (n_out, n_in), like W
        db      = dZ summed over the samples   (n_out, 1), like b (keepdims=True)
        dA_prev = W.T @ dZ                     (n_in, m), like A_prev
    No division by m here: the 1/m of the loss is already in dA (see loss_gradient).
    Returns the tuple (dA_prev, dW, db).

    >>> X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
    >>> cache = {"A_prev": X, "Z": np.array([[-0.75, -0.25, -0.25, 0.25]]),
    ...          "W": np.array([[0.5, 0.5]]), "b": np.array([[-0.75]]), "activation": "linear"}
    >>> dA_prev, dW, db = layer_backward(np.array([[1.0, 1.0, 1.0, 1.0]]), cache)
    >>> dW, db
    (array([[2., 2.]]), array([[4.]]))
    >>> dA_prev.shape
    (2, 4)
    """
    raise NotImplementedError


def backward_pass(AL, Y, caches):
    """The backward pass: the gradient of loss(AL, Y) for every weight matrix and bias.

    AL: the network's output (n_L, m) and caches: the list of layer caches, both as
    forward_pass returns them; Y: the targets (n_L, m).
    Start from dA = loss_gradient(AL, Y) and apply layer_backward from the last layer to the
    first, passing each layer's dA_prev on as the dA of the layer before.
    Returns the gradients, first layer first: [{"W": dW1, "b": db1}, ..., {"W": dWL, "b": dbL}].

    >>> X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
    >>> parameters = [{"W": np.array([[0.5, 0.5]]), "b": np.array([[-0.75]])}]
    >>> AL, caches = forward_pass(X, parameters, ["linear"])
    >>> gradients = backward_pass(AL, np.array([[0, 0, 0, 1]]), caches)
    >>> gradients[0]["W"], gradients[0]["b"]
    (array([[-0.5, -0.5]]), array([[-1.]]))
    """
    raise NotImplementedError


def gradient_step(parameters, gradients, learning_rate):
    """One step of gradient descent: w_new = w_old - learning_rate * gradient, for every W and b.

    parameters, gradients: lists of {"W", "b"} dicts of the same layout; learning_rate: a float.
    Returns a NEW list of NEW {"W", "b"} dicts with NEW arrays; the parameters passed in are
    left unchanged (no -= on them: they may be read-only).

    >>> parameters = [{"W": np.array([[0.5, 0.5]]), "b": np.array([[-0.75]])}]
    >>> gradients = [{"W": np.array([[1.0, -2.0]]), "b": np.array([[0.5]])}]
    >>> gradient_step(parameters, gradients, 0.1)
    [{'W': array([[0.4, 0.7]]), 'b': array([[-0.8]])}]
    >>> parameters[0]["W"]
    array([[0.5, 0.5]])
    """
    raise NotImplementedError


def train(X, Y, layer_sizes, activation_names, learning_rate=1.0, max_steps=1000, tol=1e-9, seed=0):
    """Learn parameters for inputs X (n_0, m) and targets Y (n_L, m) by gradient descent.

    Start from parameters = init_parameters(layer_sizes, seed) and an empty list `losses`;
    then repeat at most max_steps times:
        1. AL, caches = forward_pass(X, parameters, activation_names)
        2. append loss(AL, Y) to losses
        3. stop if the loss stopped falling: there is a previous loss and
           previous - current < tol (the parameters of this last forward pass are returned)
        4. gradients = backward_pass(AL, Y, caches)
        5. parameters = gradient_step(parameters, gradients, learning_rate)
    Returns (parameters, losses): the final parameters (list of {"W", "b"} dicts) and the
    list of Python floats recorded in step 2 (losses[0] is the loss of the initial network).
    With max_steps=1 it makes exactly one forward-backward-step and returns one loss.

    XOR, which no single perceptron can learn, with a 2 -> 3 -> 1 network:
    >>> X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
    >>> parameters, losses = train(X, np.array([[0, 1, 1, 0]]), [2, 3, 1], ["tanh", "sigmoid"],
    ...                            learning_rate=2.0, max_steps=300, seed=0)
    >>> len(losses), round(losses[0], 4), losses[-1] < 0.01
    (300, 0.2548, True)
    >>> AL, _ = forward_pass(X, parameters, ["tanh", "sigmoid"])
    >>> np.round(AL).astype(int)
    array([[0, 1, 1, 0]])
    """
    raise NotImplementedError
