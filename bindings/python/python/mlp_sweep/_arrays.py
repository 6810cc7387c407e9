"""NumPy inputs made ready for the native module: features and labels."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "class_names",
    "classes_from_names",
    "encode_labels",
    "encode_with",
    "features",
    "label_type",
]


def features(x: Any, what: str) -> np.ndarray:
    """``x`` as a C-contiguous uint8, float32 or float64 array, copied only when it must be."""
    if hasattr(x, "to_numpy") and not isinstance(x, np.ndarray):
        x = x.to_numpy()
    x = np.asarray(x)
    if x.ndim not in (2, 3):
        raise ValueError(
            f"{what} must be 2-D (samples x features) or 3-D (samples x rows x cols), "
            f"not {x.ndim}-D of shape {x.shape}"
        )
    if x.shape[0] == 0:
        raise ValueError(f"{what} holds no samples")
    kind = x.dtype.kind
    if x.dtype in (np.uint8, np.float32, np.float64):
        pass
    elif kind in "iu":
        # Integers that are bytes train as bytes (as an integer .npy file does).
        if x.size and x.min() >= 0 and x.max() <= 255:
            x = x.astype(np.uint8)
        else:
            x = x.astype(np.float64)
    elif kind == "b":
        x = x.astype(np.float32)
    elif kind == "f":
        x = x.astype(np.float32 if x.dtype.itemsize < 4 else np.float64)
    else:
        raise ValueError(
            f"{what} holds values of type {x.dtype}; give numbers "
            "(uint8, float32 or float64 are used in place)"
        )
    # C order and aligned, as the native side reads it in place; a copy only when it is not.
    return np.require(x, requirements=("C", "A"))


def _labels_1d(y: Any, what: str) -> np.ndarray:
    if hasattr(y, "to_numpy") and not isinstance(y, np.ndarray):
        y = y.to_numpy()
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"{what} must hold one label per sample (1-D), not shape {y.shape}")
    return y


def encode_labels(y: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Class numbers (uint32) of the labels ``y`` and the classes in order.

    Integer labels from 0 make classes ``0..max`` (as ``mlp --data`` does
    with integer label files); any other labels make their sorted distinct
    values the classes.
    """
    y = _labels_1d(y, what)
    if y.size == 0:
        raise ValueError(f"{what} holds no labels")
    if y.dtype.kind in "iu" and y.min() >= 0 and y.max() < 256:
        return y.astype(np.uint32), np.arange(int(y.max()) + 1, dtype=y.dtype)
    try:
        classes, index = np.unique(y, return_inverse=True)
    except TypeError as e:
        raise ValueError(f"{what}: labels cannot be ordered ({e})") from None
    return index.astype(np.uint32).reshape(-1), classes


def encode_with(y: Any, classes: np.ndarray, what: str) -> np.ndarray:
    """Class numbers of ``y`` among ``classes``; a label outside them is refused."""
    y = _labels_1d(y, what)
    if len(classes) == 0:
        raise ValueError("no classes")
    order = np.argsort(classes, kind="stable")
    sorted_classes = classes[order]
    try:
        at = np.searchsorted(sorted_classes, y)
    except TypeError as e:
        raise ValueError(f"{what}: labels of another type than the training labels ({e})") from None
    at = np.clip(at, 0, len(classes) - 1)
    found = sorted_classes[at] == y
    if not np.all(found):
        bad = y[np.argmin(found)]
        bad = bad.item() if isinstance(bad, np.generic) else bad
        raise ValueError(
            f"{what}: label {bad!r} is not one of the training labels' {len(classes)} classes"
        )
    return order[at].astype(np.uint32)


def class_names(classes: np.ndarray) -> list[str]:
    """Each class as the model file writes its name."""
    return [str(c) for c in classes.tolist()]


def label_type(classes: np.ndarray) -> str:
    """The type of the labels, as the model file records it."""
    kind = classes.dtype.kind
    if kind == "b":
        return "bool"
    if kind in "iu":
        return "integer"
    if kind == "f":
        return "float"
    return "string"


def classes_from_names(names: list[str], kind: str | None = None) -> np.ndarray:
    """Classes from a model file's names, in the type the labels were given
    in; without one recorded, integers when every name is one."""
    if kind == "integer":
        return np.asarray([int(n) for n in names], dtype=np.int64)
    if kind == "float":
        return np.asarray([float(n) for n in names], dtype=np.float64)
    if kind == "bool":
        return np.asarray([n == "True" for n in names], dtype=bool)
    if kind == "string":
        return np.asarray(names, dtype=str)
    try:
        ints = [int(n) for n in names]
        if all(str(i) == n for i, n in zip(ints, names)):
            return np.asarray(ints, dtype=np.int64)
    except ValueError:
        pass
    return np.asarray(names, dtype=object)
