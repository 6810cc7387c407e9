"""mlp-sweep in Python: fast fully connected networks and hyperparameter sweeps.

``train`` runs one configuration on NumPy arrays or any data set ``mlp
--data`` opens, ``sweep`` runs grids and searches as ``mlp sweep`` does and
``read_results`` gives their records as a DataFrame; ``load_data`` fetches
MNIST as Keras' ``load_data``; ``load_model`` reads the CLI's model files;
``mlp_sweep.sklearn.MLPClassifier`` (also here as ``MLPClassifier`` when
scikit-learn is installed) is a scikit-learn estimator.
"""

from ._core import (
    FIELDS,
    RECIPES,
    Model,
    Run,
    load_data,
    load_model,
    read_results,
    sweep,
    train,
)
from ._native import SIMD, __version__

__all__ = [
    "FIELDS",
    "MLPClassifier",
    "Model",
    "RECIPES",
    "Run",
    "SIMD",
    "__version__",
    "load_data",
    "load_model",
    "read_results",
    "sweep",
    "train",
]


def __getattr__(name: str) -> object:
    # The estimator needs scikit-learn, imported only when it is asked for.
    if name == "MLPClassifier":
        from .sklearn import MLPClassifier

        return MLPClassifier
    raise AttributeError(f"module 'mlp_sweep' has no attribute {name!r}")
