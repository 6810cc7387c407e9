"""``MLPClassifier``: a scikit-learn estimator trained by mlp's engine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from . import _native
from ._arrays import class_names, label_type
from ._core import Model, _fields

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn

    def _validate_data(estimator: Any, *args: Any, **kwargs: Any) -> Any:
        return estimator._validate_data(*args, **kwargs)


__all__ = ["MLPClassifier"]

_ACTIVATIONS = {
    "relu": "relu",
    "tanh": "tanh",
    "logistic": "sigmoid",
    "sigmoid": "sigmoid",
}
_SCHEDULES = ("constant", "cosine", "step", "exponential")


class MLPClassifier(ClassifierMixin, BaseEstimator):
    """A multilayer perceptron classifier with scikit-learn's interface, trained by mlp.

    Parameters read as scikit-learn's ``MLPClassifier``'s and map onto mlp's
    fields: softmax outputs with cross-entropy, biases, Glorot
    initialisation; ``alpha`` is the L2 penalty as scikit-learn scales it
    (``l2 = alpha / batch``); ``solver`` is ``"adam"`` or ``"sgd"``
    (momentum, Nesterov's when ``nesterovs_momentum``); ``learning_rate`` is
    ``"constant"`` or one of mlp's schedules (``"cosine"``, ``"step"``,
    ``"exponential"``); training stops early when the training loss has not
    improved by ``tol`` for ``n_iter_no_change`` epochs. Beyond
    scikit-learn's: ``dropout``, ``threads`` (``None``: every core; results
    are the same for any count) and ``scale`` (``"auto"``: uint8 pixels
    divided by 255, other values as given, as scikit-learn takes them;
    or ``"pixel"``, ``"standardize"``, ``"none"``).
    """

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        dropout: float = 0.0,
        threads: int | None = None,
        scale: str = "auto",
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.dropout = dropout
        self.threads = threads
        self.scale = scale

    def _config(self, n_samples: int) -> tuple[dict[str, Any], int]:
        """mlp's fields for this estimator on ``n_samples`` samples, and the batch."""
        hidden = self.hidden_layer_sizes
        hidden = [hidden] if isinstance(hidden, (int, np.integer)) else list(hidden)
        if not hidden or any(int(h) < 1 for h in hidden):
            raise ValueError(
                f"hidden_layer_sizes must be positive widths, got {self.hidden_layer_sizes!r}"
            )
        if self.activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(_ACTIVATIONS)}, got {self.activation!r}"
            )
        if self.batch_size == "auto":
            batch = min(200, n_samples)
        elif isinstance(self.batch_size, (int, np.integer)) and self.batch_size >= 1:
            batch = min(int(self.batch_size), n_samples)
        else:
            raise ValueError(
                f"batch_size must be 'auto' or a positive integer, got {self.batch_size!r}"
            )
        if self.learning_rate not in _SCHEDULES:
            raise ValueError(
                f"learning_rate must be one of {list(_SCHEDULES)}, got {self.learning_rate!r}"
            )
        if not (isinstance(self.max_iter, (int, np.integer)) and self.max_iter >= 1):
            raise ValueError(f"max_iter must be a positive integer, got {self.max_iter!r}")
        if self.alpha < 0:
            raise ValueError(f"alpha must be >= 0, got {self.alpha!r}")
        fields: dict[str, Any] = dict(
            hidden=tuple(int(h) for h in hidden),
            activation=_ACTIVATIONS[self.activation],
            loss="cross-entropy",
            bias=True,
            init="glorot",
            batch=batch,
            lr=float(self.learning_rate_init),
            epochs=int(self.max_iter),
            l2=float(self.alpha) / batch,
            shuffle=bool(self.shuffle),
            schedule=self.learning_rate,
            dropout=float(self.dropout),
        )
        if self.solver == "adam":
            fields.update(optimizer="adam", beta1=self.beta_1, beta2=self.beta_2, eps=self.epsilon)
        elif self.solver == "sgd":
            if self.momentum > 0:
                kind = "nesterov" if self.nesterovs_momentum else "momentum"
                fields.update(optimizer=kind, momentum=self.momentum)
            else:
                fields.update(optimizer="sgd")
        else:
            raise ValueError(
                f"solver must be 'adam' or 'sgd', got {self.solver!r} (mlp has no lbfgs)"
            )
        return fields, batch

    def _seed(self) -> int:
        rs = self.random_state
        if rs is None:
            return int(np.random.randint(0, 2**31 - 1))
        if isinstance(rs, (int, np.integer)):
            return int(rs)
        if isinstance(rs, np.random.RandomState):
            return int(rs.randint(0, 2**31 - 1))
        raise ValueError(f"random_state must be None, an integer or a RandomState, got {rs!r}")

    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Trains on ``X`` (samples x features) and labels ``y``; returns self."""
        X, y = _validate_data(self, X, y, dtype=[np.float32, np.float64, np.uint8], order="C")
        check_classification_targets(y)
        fields, batch = self._config(X.shape[0])
        fields["seed"] = self._seed()
        if self.scale not in ("auto", "pixel", "standardize", "none"):
            raise ValueError(
                f"scale must be 'auto', 'pixel', 'standardize' or 'none', got {self.scale!r}"
            )
        classes, encoded = np.unique(y, return_inverse=True)
        encoded = np.ascontiguousarray(encoded.reshape(-1), dtype=np.uint32)
        scale = self.scale if self.scale != "auto" else ("pixel" if X.dtype == np.uint8 else "none")
        losses: list[float] = []
        best = [np.inf, 0]  # the best loss so far, epochs since it improved by tol

        def on_epoch(record: dict[str, Any]) -> bool:
            # A loss that is not a finite number comes as None.
            loss = float("nan") if record["train_loss"] is None else float(record["train_loss"])
            losses.append(loss)
            if self.verbose:
                print(f"Iteration {record['epoch']}, loss = {loss:.8f}")
            if loss > best[0] - self.tol:
                best[1] += 1
            else:
                best[1] = 0
            best[0] = min(best[0], loss)
            return best[1] >= self.n_iter_no_change

        report, native = _native.train_arrays(
            np.require(X, requirements=("C", "A")),
            encoded,
            None,
            None,
            class_names(classes),
            _fields(fields),
            None,
            scale,
            self.threads,
            on_epoch,
            None,
            label_type(classes),
        )
        self.classes_ = classes
        self.model_ = Model(native, classes)
        self.n_layers_ = len(self.model_.sizes)
        self.n_outputs_ = len(classes)
        self.out_activation_ = "softmax"
        self.loss_curve_ = losses
        self.loss_ = losses[-1] if losses else float("nan")
        self.best_loss_ = min(losses) if losses else float("nan")
        self.n_iter_ = len(losses)
        self.batch_size_ = batch
        self.metrics_ = dict(report["metrics"])
        return self

    def _checked(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "model_")
        X = _validate_data(
            self, X, dtype=[np.float32, np.float64, np.uint8], order="C", reset=False
        )
        return np.require(X, requirements=("C", "A"))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Each sample's class probabilities, in the order of ``classes_``."""
        X = self._checked(X)
        return self.model_.predict_proba(X).astype(np.float64)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """The logarithm of ``predict_proba``."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """Each sample's class."""
        X = self._checked(X)
        return self.classes_[np.argmax(self.model_.decision_function(X), axis=1)]

    @property
    def coefs_(self) -> list[np.ndarray]:
        """Each layer's weights, ``(fan_in, fan_out)``, as scikit-learn's ``coefs_``."""
        check_is_fitted(self, "model_")
        return self.model_.weights

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Each layer's biases, as scikit-learn's ``intercepts_``."""
        check_is_fitted(self, "model_")
        return self.model_.biases
