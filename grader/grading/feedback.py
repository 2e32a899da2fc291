"""Words for feedback: what differs between two values, and hints at why (the short
descriptions of values and calls themselves are `grader.descriptions`, which the sandbox uses too).

Pure functions over plain data (numbers, strings, lists, tuples, dicts, numeric arrays); the
hidden suites' helpers in `grader.grading.checks` build their messages from these, so every failed
test reads alike: what was called, with what, expected against got, and a hint where the
difference itself suggests one (a transposed shape, a factor of two, a flipped sign).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from grader.descriptions import TEXT_CAP, CallDescription, _number, abbreviate, describe_call

__all__ = [
    "TEXT_CAP",
    "CallDescription",
    "abbreviate",
    "common_ratio",
    "describe_call",
    "difference",
    "explain_raised",
    "kind",
    "shape_hint",
]


def kind(value: Any) -> str:
    """The type of a value as a student would name it: 'float', 'ndarray (3, 1) float64', …"""
    if isinstance(value, np.ndarray):
        return f"ndarray {value.shape} {value.dtype}"
    if isinstance(value, np.generic):
        return f"numpy {value.dtype}"
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__} of {len(value)}"
    return type(value).__name__


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def difference(got: Any, expected: Any, *, rtol: float, atol: float, path: str = "") -> str | None:
    """None when `got` matches `expected` within tolerance; otherwise what differs, one line."""
    where = f" at {path}" if path else ""
    if isinstance(expected, np.ndarray):
        return _array_difference(got, expected, rtol=rtol, atol=atol, where=where)
    if isinstance(expected, (bool, np.bool_)):
        if not isinstance(got, (bool, np.bool_)):
            return f"expected a bool{where}, got {kind(got)} {abbreviate(got, 40)}"
        return None if bool(got) == bool(expected) else f"expected {bool(expected)}{where}, got {bool(got)}"
    if isinstance(expected, (int, np.integer)):
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
            return f"expected the int {int(expected)}{where}, got {kind(got)} {abbreviate(got, 40)}"
        return None if int(got) == int(expected) else f"expected {int(expected)}{where}, got {abbreviate(got, 40)}"
    if isinstance(expected, (float, np.floating)):
        if isinstance(got, np.ndarray) and got.size == 1 and got.ndim > 0:
            return f"expected a single number{where}, got an array of shape {got.shape} (use float(...) or .item())"
        real_array = isinstance(got, np.ndarray) and got.ndim == 0 and got.dtype.kind in "iuf"
        if not _is_real(got) and not real_array:
            return f"expected a float{where}, got {kind(got)} {abbreviate(got, 40)}"
        try:
            g, e = float(got), float(expected)
        except OverflowError:
            return f"expected {float(expected)!r}{where}, got {abbreviate(got, 40)}, too large for a float"
        except (TypeError, ValueError):
            return f"expected a float{where}, got {kind(got)} {abbreviate(got, 40)}"
        if np.isnan(e) and np.isnan(g):
            return None
        if np.isclose(g, e, rtol=rtol, atol=atol):
            return None
        return f"expected {e!r}{where}, got {g!r}" + _ratio_hint(np.array([g]), np.array([e]))
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, (list, tuple)):
            return f"expected a {type(expected).__name__} of {len(expected)}{where}, got {kind(got)}"
        if len(got) != len(expected):
            return f"expected {len(expected)} items{where}, got {len(got)}"
        for index, (g, e) in enumerate(zip(got, expected, strict=True)):
            found = difference(g, e, rtol=rtol, atol=atol, path=f"{path}[{index}]")
            if found:
                return found
        return None
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"expected a dict{where}, got {kind(got)}"
        missing = [k for k in expected if k not in got]
        if missing:
            return f"missing key {missing[0]!r}{where}"
        for key, e in expected.items():
            found = difference(got[key], e, rtol=rtol, atol=atol, path=f"{path}[{key!r}]")
            if found:
                return found
        return None
    if isinstance(expected, str):
        if got != expected:
            return f"expected {abbreviate(expected)}{where}, got {abbreviate(got)}"
        return None
    if expected is None:
        return None if got is None else f"expected None{where}, got {kind(got)}"
    raise TypeError(f"cannot compare with a {type(expected).__name__}")


def _array_difference(got: Any, expected: np.ndarray, *, rtol: float, atol: float, where: str) -> str | None:
    if not isinstance(got, np.ndarray):
        if isinstance(got, (list, tuple)):
            got_kind = type(got).__name__
            return f"expected an ndarray of shape {expected.shape}{where}, got a {got_kind} (wrap it in np.array)"
        return f"expected an ndarray of shape {expected.shape}{where}, got {kind(got)} {abbreviate(got, 40)}"
    if got.shape != expected.shape:
        return f"expected shape {expected.shape}{where}, got {got.shape}" + shape_hint(got.shape, expected.shape)
    if np.issubdtype(expected.dtype, np.floating) and not np.issubdtype(got.dtype, np.floating):
        why = " (integer arithmetic or astype(int)?)" if np.issubdtype(got.dtype, np.integer) else ""
        return f"expected a floating-point array{where}, got dtype {got.dtype}{why}"
    if np.issubdtype(expected.dtype, np.floating) and got.dtype.itemsize < expected.dtype.itemsize:
        return (
            f"expected dtype {expected.dtype}{where}, got {got.dtype}, which keeps only about "
            f"{np.finfo(got.dtype).precision} digits: compute in float64 (np.asarray(x, dtype=float))"
        )
    if np.issubdtype(expected.dtype, np.integer) and not np.issubdtype(got.dtype, np.integer):
        return f"expected an integer array{where}, got dtype {got.dtype}"
    if expected.dtype == np.bool_ and got.dtype != np.bool_:
        return f"expected a boolean array{where}, got dtype {got.dtype}"
    if got.size == 0:
        return None
    g = got.astype(np.float64) if got.dtype != np.bool_ else got.astype(np.float64)
    e = expected.astype(np.float64)
    close = np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    bad = np.argwhere(~close)
    first = tuple(int(i) for i in bad[0])
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.where(close, 0.0, np.abs(g - e))
    error = np.where(np.isnan(error), np.inf, error)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(error)), error.shape))
    text = (
        f"{where.removeprefix(' at ') + ': ' if where else ''}"  # the array's place, then its elements'
        f"{len(bad)} of {got.size} elements differ; first at {list(first)}: "
        f"expected {_number(expected[first])}, got {_number(got[first])}"
    )
    if worst != first:
        text += f"; worst at {list(worst)}: expected {_number(expected[worst])}, got {_number(got[worst])}"
    if np.isnan(g).any() and not np.isnan(e).any():
        text += " (nan in the result: an overflow, or 0/0?)"
    return text + _ratio_hint(g, e)


def shape_hint(got: tuple[int, ...], expected: tuple[int, ...]) -> str:
    """A guess at the cause of a shape mismatch, or ''."""
    if len(got) == 2 and got == expected[::-1]:
        return " (transposed: samples are columns and W is (n_out, n_in); W or W.T?)"
    if len(got) == 2 and len(expected) == 2 and got[0] == got[1] == expected[0] and expected[1] == 1:
        return " (a bias of shape (n,) broadcast against (n, 1)? keep b as a column)"
    if len(got) == 1 and len(expected) == 2 and expected[1] == 1 and got[0] == expected[0]:
        return " (a column is expected: reshape(-1, 1) or keep the (n, 1) shape)"
    if len(expected) == 1 and len(got) == 2 and 1 in got and max(got) == expected[0]:
        return " (a flat array is expected: ravel() or index [0])"
    return ""


def _ratio_hint(got: np.ndarray, expected: np.ndarray) -> str:
    mask = np.isfinite(got) & np.isfinite(expected) & (np.abs(expected) > 1e-12)
    if not mask.any():
        return ""
    ratio = got[mask] / expected[mask]
    for factor, hint in (
        (2.0, "each is twice the expected"),
        (0.5, "each is half the expected"),
        (-1.0, "the sign is flipped"),
    ):
        if np.allclose(ratio, factor, rtol=1e-6):
            return f" ({hint})"
    return ""


def common_ratio(got: Any, expected: Any) -> float | None:
    """got / expected when it is the same for every non-zero element (a missing or extra factor),
    else None. For hints that name the factor's cause, which only the suite knows."""
    try:
        g = np.asarray(got, dtype=np.float64)
        e = np.asarray(expected, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return None
    if g.shape != e.shape:
        return None
    mask = np.isfinite(g) & np.isfinite(e) & (np.abs(e) > 1e-12)
    if not mask.any() or (g[~mask & np.isfinite(e)] != 0).any():
        return None
    ratio = g[mask] / e[mask]
    return float(ratio[0]) if np.allclose(ratio, ratio[0], rtol=1e-6, atol=0) else None


SHAPES_SECTION = "Forward Propagation (h = f(W · x + b), with samples as columns)"
PERCEPTRON_SHAPES_SECTION = "Perceptron: How It Works, Step 1: Weighted Sum"
_CACHE_KEY = re.compile(r"could not convert string to float: '(A_prev|Z|W|b|activation)'")
_MATMUL = re.compile(r"matmul: Input operand \d has a mismatch in its core dimension")
_NOT_ALIGNED = re.compile(r"shapes \(([\d, ]*)\) and \(([\d, ]*)\) not aligned")
_BROADCAST = re.compile(r"operands could not be broadcast together with shapes ((?:\([\d,]*\) ?)+)")


def explain_raised(message: str, exercise: str = "") -> tuple[str, str] | None:
    """(hint, lesson section or "") for an error a student's numpy code raised in `exercise`,
    naming the course convention it breaks; None when the message matches none of them.

    The raw numpy text ("matmul: Input operand 1 has a mismatch in its core dimension 0 ...")
    says what numpy could not do, not which of the course's conventions the code broke. A
    perceptron has no layers: its shape errors are explained with its own vectors.
    """
    if exercise == "perceptron" and (
        _MATMUL.search(message) or _NOT_ALIGNED.search(message) or _BROADCAST.search(message)
    ):
        return (
            "the shapes do not fit: inputs and weights have one entry per feature, so z = weights @ inputs + bias; "
            "predict's X holds one sample per column, (n_features, m), so weights @ X + bias gives one z per "
            "sample (X @ weights would need samples as rows)",
            PERCEPTRON_SHAPES_SECTION,
        )
    if "read-only" in message:
        return (
            "the grader passes inputs read-only, and a function must not change what it is given: "
            "compute into a new array (x = x + 1, np.where(...), x.astype(float)) instead of writing "
            "into an input (x += 1, x[...] = ..., out=x)",
            "",
        )
    if _CACHE_KEY.search(message):
        return (
            'a cache is a dict, {"A_prev": ..., "Z": ..., "W": ..., "b": ..., "activation": ...}: read its '
            'entries by name, cache["Z"]; unpacking it (A_prev, Z, W, b, activation = cache) gives its keys, '
            "not its values",
            "",
        )
    if "truth value of an array with more than one element is ambiguous" in message:
        return (
            "`if`, `and`, `or`, `not`, max() and min() ask an array for one True or False, and an array of many "
            "elements has none: work element-wise instead, with np.maximum(z, 0.0), np.where(z > 0, a, b), "
            "& and | (in parentheses)",
            "",
        )
    if "Cannot cast ufunc" in message and "output from dtype" in message:
        return (
            "an integer array cannot hold a float result in place: convert inputs first with "
            "np.asarray(x, dtype=float), or write x = x - ... instead of x -= ...",
            "",
        )
    if _MATMUL.search(message) or _NOT_ALIGNED.search(message):
        return (
            "the shapes do not fit a matrix product: samples are columns (X and A_prev are (n_in, m)) and "
            "W is (n_out, n_in), so Z = W @ A_prev (not W.T @ A_prev or A_prev @ W) and z = weights @ X in "
            "the perceptron; each layer takes the previous layer's output A, not X; backward, "
            "dW = dZ @ A_prev.T and dA_prev = W.T @ dZ",
            SHAPES_SECTION,
        )
    found = _BROADCAST.search(message)
    if found:
        shapes = re.findall(r"\(([\d,]*)\)", found.group(1))
        flat = [s for s in shapes if s.count(",") == 0 or s.endswith(",")]
        column = (
            " A flat bias of shape (n,) is the usual cause: b is a column (n_out, 1), "
            "and db must keep that shape (np.sum(dZ, axis=1, keepdims=True))."
            if flat
            else ""
        )
        return (
            "these shapes cannot be combined element-wise. Samples are columns: Z and A are (n_out, m), "
            "b is a column (n_out, 1) that broadcasts across the m columns." + column,
            SHAPES_SECTION,
        )
    return None
