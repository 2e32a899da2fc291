"""The tags a question may carry: the sections of the lesson, in the lesson's order.

This is the one list. `grader quiz check` refuses any other tag, so a typo ("sigmod") or a
tag from another course cannot file a question where no one looks for it, and
`quizzes/README.md` documents the same list (a test keeps the two equal).
"""

from __future__ import annotations

LESSON_SECTIONS: dict[str, str] = {
    "neurons": "Biological Neuron vs Artificial Neuron",
    "perceptron": "Perceptron: The Simplest Neural Network (how it works)",
    "and-gate": "Example: AND Gate (and its Python code)",
    "activation-functions": "Activation Functions: why we need them",
    "sigmoid": "Sigmoid Function",
    "relu": "ReLU (Rectified Linear Unit)",
    "tanh": "Tanh Function",
    "multi-layer-network": "Multi-Layer Neural Network: its architecture",
    "forward-pass": "Forward Propagation",
    "backpropagation": "Backpropagation: How Networks Learn (forward pass, loss, backward pass, update)",
    "gradient-descent": "Gradient Descent Visualization (and the weight update)",
    "architectures": "Common Network Architectures (MLP, CNN, RNN, Transformer)",
    "key-concepts": "Key Concepts Summary (the table)",
}
"""Tag -> the lesson section it stands for."""


def unknown_tags(tags: tuple[str, ...]) -> list[str]:
    """The tags that name no section of the lesson, in the order given."""
    return [tag for tag in tags if tag not in LESSON_SECTIONS]
