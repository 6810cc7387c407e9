"""Training, models, data and sweeps: the package's functions over the native module."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Union

import numpy as np

from . import _native
from ._arrays import (
    class_names,
    classes_from_names,
    encode_labels,
    encode_with,
    features,
    label_type,
)

__all__ = [
    "FIELDS",
    "RECIPES",
    "Model",
    "Run",
    "load_data",
    "load_model",
    "read_results",
    "sweep",
    "train",
]

#: Keywords that name a field otherwise, as the CLI's flags do: the affine
#: scale range is ``--affine-scale`` beside the input scaling's ``--scale``.
KEYWORD_OF_FIELD = {"scale": "affine_scale"}
FIELD_OF_KEYWORD = {k: f for f, k in KEYWORD_OF_FIELD.items()}
#: Every configuration field, named as the CLI's flags (``--train-samples`` is ``train_samples``).
FIELDS: tuple[str, ...] = tuple(KEYWORD_OF_FIELD.get(f, f) for f in _native.FIELDS)
#: The named recipes (``mlp train --list-recipes``).
RECIPES: tuple[str, ...] = tuple(_native.RECIPES)

PathLike = Union[str, "os.PathLike[str]"]
DATA_OPTIONS = ("test_data", "test_fraction", "split_seed", "label_column", "scale")


def _field_text(name: str, value: Any) -> str:
    """A field's value as the CLI spells it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if name == "hidden" and isinstance(value, (tuple, list)):
        return "-".join(str(int(w)) for w in value)
    if isinstance(value, (np.integer, np.floating)):
        value = value.item()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _fields(given: Mapping[str, Any]) -> list[tuple[str, str]]:
    out = []
    for name, value in given.items():
        if name not in FIELDS:
            near = _nearest(name, FIELDS + DATA_OPTIONS)
            hint = f"; did you mean {near!r}?" if near else ""
            raise TypeError(f"unknown configuration field {name!r}{hint} (see mlp_sweep.FIELDS)")
        if value is None:
            continue
        out.append((FIELD_OF_KEYWORD.get(name, name), _field_text(name, value)))
    return out


def _nearest(name: str, names: Sequence[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(name, names, n=1, cutoff=0.7)
    return found[0] if found else None


def _data_spec(data: PathLike | Mapping[str, Any] | None, options: Mapping[str, Any]) -> str:
    spec: dict[str, Any] = {}
    if isinstance(data, Mapping):
        spec.update(data)
    elif data is not None:
        spec["path"] = os.fspath(data)
    for k, v in options.items():
        if v is not None:
            spec[k] = os.fspath(v) if k == "test_data" else v
    if "label_column" in spec:
        spec["label_column"] = str(spec["label_column"])
    return json.dumps(spec)


class Model:
    """A trained network with its configuration, input scaling and classes.

    ``predict``, ``predict_proba`` and ``score`` take samples shaped as in
    training (uint8, float32 or float64; read in place when C-contiguous),
    scaled as training scaled its data.
    """

    def __init__(self, native: _native.NativeModel, classes: np.ndarray | None = None):
        self._native = native
        #: The classes, in the order of ``predict_proba``'s columns.
        self.classes_: np.ndarray = (
            classes
            if classes is not None
            else classes_from_names(native.classes, native.label_type)
        )

    def predict_proba(self, x: Any) -> np.ndarray:
        """Each sample's class probabilities (softmax outputs; for MSE
        models, the output units mapped to [0, 1] and normalised)."""
        out = self._native.outputs(features(x, "x"))
        if self._native.softmax:
            return out
        lo, hi = self._native.output_range
        p = np.clip((out - lo) / (hi - lo), 0.0, 1.0)
        total = p.sum(axis=1, keepdims=True)
        uniform = np.full_like(p, 1.0 / p.shape[1])
        return np.where(total > 0, p / np.where(total > 0, total, 1.0), uniform)

    def decision_function(self, x: Any) -> np.ndarray:
        """The network's output units for each sample."""
        return self._native.outputs(features(x, "x"))

    def predict(self, x: Any) -> np.ndarray:
        """Each sample's class (the output unit with the highest score)."""
        return self.classes_[np.argmax(self.decision_function(x), axis=1)]

    def score(self, x: Any, y: Any) -> float:
        """The share of samples classified as ``y`` says (accuracy)."""
        predicted = self.predict(x)
        y = np.asarray(y)
        if y.shape != predicted.shape:
            raise ValueError(
                f"y holds {y.shape[0] if y.ndim else 0} labels for {len(predicted)} samples"
            )
        return float(np.mean(predicted == y))

    def save(self, path: PathLike) -> None:
        """Writes the model file (the CLI's safetensors format, scaling and classes included)."""
        self._native.save(os.fspath(path))

    @property
    def weights(self) -> list[np.ndarray]:
        """Each layer's weights as ``(fan_in, fan_out)`` float32 arrays, input side first."""
        return list(self._native.weights)

    @property
    def biases(self) -> list[np.ndarray]:
        """Each layer's biases (an empty list for a network without them)."""
        return list(self._native.biases)

    @property
    def sizes(self) -> list[int]:
        """Layer widths, inputs first."""
        return list(self._native.sizes)

    @property
    def info(self) -> dict[str, Any]:
        """What the file says: configuration, metrics, data, scaling, stage, version."""
        return dict(self._native.info())

    @property
    def config(self) -> dict[str, Any]:
        """The configuration the weights were trained with."""
        return dict(self.info["config"])

    def __getstate__(self) -> dict[str, Any]:
        return {"model": bytes(self._native.to_bytes()), "classes": self.classes_}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._native = _native.NativeModel.from_bytes(state["model"])
        self.classes_ = state["classes"]

    def __repr__(self) -> str:
        sizes = "-".join(str(s) for s in self.sizes)
        return f"<mlp_sweep.Model {sizes}, {len(self.classes_)} classes>"


class Run:
    """A finished training run: its figures, its epochs, its configuration and its model."""

    def __init__(self, report: dict[str, Any], model: Model, has_test: bool = True):
        metrics = dict(report["metrics"])
        if not has_test:
            metrics = {
                k: v
                for k, v in metrics.items()
                if not k.startswith(("test_", "misclassified", "accuracy"))
            }
        #: Final figures (test error and loss, validation, timing, samples/s).
        self.metrics: dict[str, Any] = metrics
        #: One dict per epoch (training loss and accuracy; test figures when evaluated).
        self.history: list[dict[str, Any]] = list(report.get("history", []))
        #: The configuration as trained (the typed form the engine ran).
        self.config: dict[str, Any] = dict(report["config"])
        #: Every configuration field by keyword: ``train(**run.fields)`` runs it again.
        self.fields: dict[str, Any] = {
            KEYWORD_OF_FIELD.get(f, f): v for f, v in report.get("fields", {}).items()
        }
        #: The trained model.
        self.model: Model = model
        #: The whole report, as ``mlp train --json`` prints it.
        self.report: dict[str, Any] = report

    def history_frame(self) -> Any:
        """The history as a pandas DataFrame, one row per epoch."""
        import pandas as pd

        return pd.DataFrame(self.history)

    def __repr__(self) -> str:
        m = self.metrics
        err = m.get("test_error_pct")
        tail = f", test error {err:.2f}%" if isinstance(err, float) else ""
        return f"<mlp_sweep.Run {len(self.history)} epochs{tail}>"


def _check_threads(threads: Any) -> None:
    if threads is not None and (
        isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1
    ):
        raise ValueError(f"invalid threads: {threads!r} is not a whole number of at least 1")


def _epoch_printer(epochs: int | None) -> Callable[[dict[str, Any]], None]:
    def show(record: dict[str, Any]) -> None:
        parts = [f"epoch {record.get('epoch')}" + (f"/{epochs}" if epochs else "")]
        for key, label in (
            ("train_loss", "train loss"),
            ("test_error_pct", "test error"),
        ):
            v = record.get(key)
            if isinstance(v, float):
                parts.append(f"{label} {v:.4f}" if key == "train_loss" else f"{label} {v:.2f}%")
        print(", ".join(parts), file=sys.stderr, flush=True)

    return show


def train(
    x_train: Any = None,
    y_train: Any = None,
    x_test: Any = None,
    y_test: Any = None,
    *,
    data: PathLike | Mapping[str, Any] | None = None,
    recipe: str | None = None,
    threads: int | None = None,
    progress: bool = False,
    on_epoch: Callable[[dict[str, Any]], Any] | None = None,
    init_from: Model | None = None,
    test_data: PathLike | None = None,
    test_fraction: float | None = None,
    split_seed: int | None = None,
    label_column: str | int | None = None,
    scale: str | None = None,
    seed: int | None = None,
    **fields: Any,
) -> Run:
    """Trains one configuration, as ``mlp train`` does.

    Give NumPy arrays (``x_train``: samples x features, or samples x rows x
    cols images; uint8, float32 or float64 are read in place; labels of any
    integer or string type), or ``data=``, any path ``mlp --data`` takes (a
    name such as ``"mnist"``, an IDX folder, ``.npz``, ``.npy`` folder or
    ``.csv`` with ``test_data``, ``test_fraction``, ``split_seed`` and
    ``label_column``). Every configuration field is a keyword named as in
    the CLI (``hidden=(500, 300)``, ``lr=0.01``, ``batch=64``,
    ``optimizer="adam"``, ...; see ``FIELDS``), on top of ``recipe`` (by
    default the study's); ``init_from`` starts from a model's weights.
    ``on_epoch(record)`` is called after each epoch;
    a true answer ends the run there. Training releases the GIL; Ctrl-C
    raises ``KeyboardInterrupt``. The same ``seed`` gives the same bits for
    any ``threads``. A figure that is not a finite number reads as ``None``.
    """
    values = _fields({**fields, "seed": seed})
    _check_threads(threads)
    callback = on_epoch
    if progress:
        printer = _epoch_printer(fields.get("epochs"))

        def printing(record: dict[str, Any]) -> Any:
            printer(record)
            return on_epoch(record) if on_epoch is not None else None

        callback = printing

    native_init = init_from._native if init_from is not None else None
    if data is not None:
        if any(a is not None for a in (x_train, y_train, x_test, y_test)):
            raise ValueError("give arrays (x_train, y_train, x_test, y_test) or data=, not both")
        options = dict(
            test_data=test_data,
            test_fraction=test_fraction,
            split_seed=split_seed,
            label_column=label_column,
            scale=scale,
        )
        report, native = _native.train_data(
            _data_spec(data, options), values, recipe, threads, callback, native_init
        )
        return Run(report, Model(native))
    if x_train is None or y_train is None:
        raise ValueError(
            "give x_train and y_train (NumPy arrays), or data= (a path or a name such as 'mnist')"
        )
    for name, v in (
        ("test_data", test_data),
        ("test_fraction", test_fraction),
        ("split_seed", split_seed),
        ("label_column", label_column),
    ):
        if v is not None:
            raise ValueError(
                f"{name} goes with data= (a file); with arrays, pass x_test and y_test"
            )
    if (x_test is None) != (y_test is None):
        raise ValueError("give x_test and y_test together, or neither")
    x = features(x_train, "x_train")
    y, classes = encode_labels(y_train, "y_train")
    xt = yt = None
    if x_test is not None:
        xt = features(x_test, "x_test")
        yt = encode_with(y_test, classes, "y_test")
    report, native = _native.train_arrays(
        x,
        y,
        xt,
        yt,
        class_names(classes),
        values,
        recipe,
        scale,
        threads,
        callback,
        native_init,
        label_type(classes),
    )
    return Run(report, Model(native, classes), has_test=xt is not None)


def load_model(path: PathLike) -> Model:
    """Reads a model file: ``mlp train --save``'s, a sweep's ``--save-models``, ``Model.save``'s."""
    return Model(_native.load_model(os.fspath(path)))


def load_data(
    name: PathLike | Mapping[str, Any] = "mnist",
    *,
    test_data: PathLike | None = None,
    test_fraction: float | None = None,
    split_seed: int | None = None,
    label_column: str | int | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """``(x_train, y_train), (x_test, y_test)`` of a data set, as Keras' ``load_data``.

    ``"mnist"`` comes from the per-user cache (``MLP_DATA_HOME``, else
    ``XDG_CACHE_HOME/mlp``), downloaded and verified on first use; any path
    ``mlp --data`` takes works too. Images are uint8 arrays of samples x
    rows x cols; labels are the classes as written (integers for IDX and
    NumPy files, strings for a CSV table's names).
    """
    options = dict(
        test_data=test_data,
        test_fraction=test_fraction,
        split_seed=split_seed,
        label_column=label_column,
    )
    (x, y), (xt, yt), names = _native.load_data(_data_spec(name, options))
    classes = classes_from_names(list(names))
    return (x, classes[y]), (xt, classes[yt])


def _plain(value: Any) -> Any:
    """A value as JSON takes it: NumPy scalars and arrays as Python's, tuples as lists."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _widths(value: Any) -> Any:
    """``hidden`` values with each tuple of widths as its ``"500-300"`` text."""
    if isinstance(value, (tuple, list)) and all(isinstance(w, (int, np.integer)) for w in value):
        return _field_text("hidden", value)
    return value


def _grid_table(table: Mapping[str, Any], recipe: str | None) -> dict[str, Any]:
    """A ``[[grid]]`` table: each field's list of values (a single value is a list of one)."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        key = FIELD_OF_KEYWORD.get(key, key)
        if value is None:
            continue
        if key in ("shuffle", "eval_every"):
            out[key] = _plain(value)
            continue
        if key == "hidden":
            # A tuple of widths is one network; a list holds the values.
            values = list(value) if isinstance(value, list) else [value]
            out[key] = [_widths(v) for v in values]
            continue
        many = isinstance(value, (list, tuple, np.ndarray))
        out[key] = _plain(list(value) if many else [value])
    if recipe is not None and "recipe" not in out:
        out["recipe"] = [recipe]
    return out


def _search_table(table: Mapping[str, Any]) -> dict[str, Any]:
    """A ``[[search]]`` table: fields renamed as the sweep file names them,
    ``hidden``'s tuples of widths as text, in its value or its distribution."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        key = FIELD_OF_KEYWORD.get(key, key)
        if value is None:
            continue
        if key == "hidden":
            if isinstance(value, Mapping):
                value = {
                    k: [_widths(v) for v in vs] if isinstance(vs, list) else vs
                    for k, vs in value.items()
                }
            else:
                value = _widths(value)
        out[key] = _plain(value)
    return out


def sweep(
    grid: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    search: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    *,
    config: PathLike | None = None,
    recipe: str | None = None,
    data: PathLike | Mapping[str, Any] | None = None,
    out: PathLike,
    threads: int | None = None,
    resume: bool = True,
    report: bool = True,
    save_models: bool = False,
    name: str | None = None,
    validation: int | None = None,
) -> list[dict[str, Any]]:
    """Runs a sweep into the folder ``out``, as ``mlp sweep`` does; returns every record.

    ``grid`` is one ``[[grid]]`` table of a sweep file as a dict (field ->
    list of values) or a list of them; ``search`` one ``[[search]]`` table
    or a list (random or grid searches, with ``halving``); or ``config``
    names a sweep file. ``recipe`` starts every grid from a recipe.
    ``data`` is any path ``mlp --data`` takes, or a dict of a ``[data]``
    table; by default the sweep file's, else ``"mnist"`` (the per-user
    cache, fetched on first use). Finished
    runs are kept as they complete and a rerun resumes them; the report
    (``report.md``, ``report.html``, plots, ``results.csv``) is written into ``out``.
    """
    if config is not None and (grid is not None or search is not None):
        raise ValueError("give grid or search, or config (a sweep file), not both")
    tables_json = None
    if config is None:
        if grid is None and search is None:
            raise ValueError("give grid or search (or config, a sweep file)")
        tables: dict[str, Any] = {}
        if name is not None:
            tables["name"] = name
        if validation is not None:
            tables["validation"] = validation
        if grid is not None:
            grids = [grid] if isinstance(grid, Mapping) else list(grid)
            tables["grid"] = [_grid_table(g, recipe) for g in grids]
        if search is not None:
            if recipe is not None:
                raise ValueError("recipe goes with grids; a search table sets its own fields")
            searches = [search] if isinstance(search, Mapping) else list(search)
            tables["search"] = [_search_table(s) for s in searches]
        tables_json = json.dumps(tables)
    _check_threads(threads)
    data_json = _data_spec(data, {}) if data is not None else None
    return list(
        map(
            _record,
            _native.sweep(
                os.fspath(out),
                tables_json,
                os.fspath(config) if config is not None else None,
                data_json,
                threads,
                resume,
                report,
                save_models,
            ),
        )
    )


def _record(record: dict[str, Any]) -> dict[str, Any]:
    """A record with its ``fields`` named as ``train``'s keywords."""
    fields = record.get("fields", {})
    record["fields"] = {KEYWORD_OF_FIELD.get(f, f): v for f, v in fields.items()}
    return record


def read_results(out: PathLike) -> Any:
    """The sweep in ``out`` as a pandas DataFrame: one row per run, one
    column per configuration field and per metric (``key`` names the run)."""
    import pandas as pd

    rows = []
    for record in map(_record, _native.read_records(os.fspath(out))):
        row: dict[str, Any] = {"key": record["key"]}
        for field, value in record["fields"].items():
            if field == "hidden":
                value = str(value)  # one column type for "800" and "500-300"
            row[field] = value
        row.update(record["metrics"])
        row["epochs_run"] = len(record.get("history", []))
        row["stopped_at_epoch"] = record.get("stopped_at_epoch")
        rows.append(row)
    return pd.DataFrame(rows)
