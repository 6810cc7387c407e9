"""What goes in comes back: label types through model files, a run's
fields through ``train``, search tables given as dicts, odd array layouts."""

from __future__ import annotations

import mlp_sweep
import numpy as np
import pytest

FAST = dict(hidden=8, epochs=2, batch=10, loss="cross-entropy", bias=True, init="he", seed=3)


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["1", "2", "10"]),  # digit strings stay strings
        np.array([0.5, 1.5, 2.5]),  # floats stay floats
        np.array([-3, 4, 7]),  # integers, not from 0
    ],
    ids=["digit-strings", "floats", "negative-integers"],
)
def test_a_model_file_gives_labels_back_in_their_type(features_data, tmp_path, labels):
    x, y = features_data["x_train"], features_data["y_train"]
    y_given = labels[y % 3]
    run = mlp_sweep.train(x, y_given, **FAST)
    path = tmp_path / "m.safetensors"
    run.model.save(path)
    loaded = mlp_sweep.load_model(path)
    assert loaded.classes_.dtype.kind == run.model.classes_.dtype.kind
    assert list(loaded.classes_) == list(run.model.classes_)
    predicted = loaded.predict(x)
    assert np.array_equal(predicted, run.model.predict(x))
    assert type(predicted[0]) is type(y_given[0])
    assert loaded.score(x, y_given) == run.model.score(x, y_given) > 0.5


def test_boolean_labels_come_back_as_booleans(features_data, tmp_path):
    x, y = features_data["x_train"], features_data["y_train"]
    run = mlp_sweep.train(x, y == 0, **FAST)
    run.model.save(tmp_path / "b.safetensors")
    loaded = mlp_sweep.load_model(tmp_path / "b.safetensors")
    assert loaded.classes_.dtype == bool
    assert loaded.score(x, y == 0) == run.model.score(x, y == 0)


def test_a_runs_fields_train_it_again(features_data):
    x, y = features_data["x_train"], features_data["y_train"]
    run = mlp_sweep.train(x, y, affine_scale=0.2, **FAST)
    assert set(run.fields) == set(mlp_sweep.FIELDS)
    assert run.fields["affine_scale"] == 0.2 and run.fields["seed"] == 3
    again = mlp_sweep.train(x, y, **run.fields)
    for a, b in zip(run.model.weights, again.model.weights):
        assert np.array_equal(a, b)


def test_a_misaligned_array_is_copied_not_refused(features_data):
    x, y = features_data["x_train"], features_data["y_train"]
    buffer = bytearray(x.nbytes + 1)
    view = np.frombuffer(buffer, dtype=np.float32, count=x.size, offset=1).reshape(x.shape)
    view[...] = x
    assert not view.flags.aligned
    a = mlp_sweep.train(view, y, **FAST)
    b = mlp_sweep.train(x, y, **FAST)
    for wa, wb in zip(a.model.weights, b.model.weights):
        assert np.array_equal(wa, wb)
    assert np.array_equal(a.model.predict(view), b.model.predict(x))


def test_a_search_dict_takes_tuples_of_widths_and_numpy_values(features_data, tmp_path):
    search = {
        "method": "grid",
        "case": "relu-sigmoid",
        "epochs": np.int64(1),
        "batch": 16,
        "loss": "cross-entropy",
        "hidden": {"choice": [(6, 4), 8]},
        "lr": {"choice": [np.float64(0.05)]},
        "affine_scale": 0.2,
    }
    records = mlp_sweep.sweep(
        search=search, data=features_data["path"], out=tmp_path / "s", report=False
    )
    assert sorted(str(r["fields"]["hidden"]) for r in records) == ["6-4", "8"]
    assert all(r["fields"]["affine_scale"] == 0.2 for r in records)


def test_a_grid_takes_tuples_and_arrays_as_lists(features_data, tmp_path):
    grid = {
        "case": "relu-sigmoid",
        "hidden": (6, 4),  # one network of two layers
        "lr": np.array([0.01, 0.1]),  # two rates
        "epochs": 1,
        "batch": (16,),
        "loss": "cross-entropy",
    }
    records = mlp_sweep.sweep(
        grid=grid, data=features_data["path"], out=tmp_path / "g", report=False
    )
    assert sorted(r["fields"]["lr"] for r in records) == [0.01, 0.1]
    assert {r["fields"]["hidden"] for r in records} == {"6-4"}


def test_a_diverging_estimator_fit_does_not_crash(features_data):
    from mlp_sweep import MLPClassifier

    x, y = features_data["x_train"], features_data["y_train"]
    clf = MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=1e6, max_iter=3, random_state=0)
    clf.fit(x * 1e6, y)
    assert clf.n_iter_ >= 1
    assert len(clf.loss_curve_) == clf.n_iter_
