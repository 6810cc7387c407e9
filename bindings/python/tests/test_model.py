"""Model files: what one side saves, the other loads; pickling; weights."""

from __future__ import annotations

import json
import pickle

import mlp_sweep
import numpy as np
import pytest

CONFIG = dict(
    hidden=(10, 6),
    lr=0.02,
    epochs=3,
    batch=12,
    optimizer="adam",
    loss="cross-entropy",
    bias=True,
    init="glorot",
    seed=11,
    shuffle=True,
)


@pytest.fixture(params=["features", "images"])
def trained(request, features_data, image_data, arrays):
    """A run on features (minibatch, cross-entropy) or images (the study's online MSE run)."""
    data = features_data if request.param == "features" else image_data
    fields = CONFIG if request.param == "features" else dict(epochs=1, hidden=40)
    return data, mlp_sweep.train(*arrays(data), **fields)


def test_python_model_evaluates_in_cli(trained, cli, tmp_path):
    data, run = trained
    path = tmp_path / "model.safetensors"
    run.model.save(path)
    assert path.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.safetensors"]
    out = json.loads(cli("eval", "--model", path, "--data", data["path"], "--json").stdout)
    x_test, y_test = data["x_test"], data["y_test"]
    wrong = int(np.sum(run.model.predict(x_test) != y_test))
    assert out["samples"] == len(y_test)
    assert out["misclassified"] == wrong == run.metrics["misclassified"]
    assert out["error_pct"] == pytest.approx(100.0 * wrong / len(y_test), abs=1e-9)
    assert out["accuracy"] == pytest.approx(run.model.score(x_test, y_test), abs=1e-12)
    assert out["loss"] == run.metrics["test_loss"]
    assert out["classes"] == [str(c) for c in run.model.classes_]
    assert out["config"] == run.config


def test_cli_model_loads_in_python(features_data, cli_train, tmp_path):
    path = tmp_path / "cli.safetensors"
    report = cli_train(features_data["path"], CONFIG, "--save", path)
    model = mlp_sweep.load_model(path)
    x_test, y_test = features_data["x_test"], features_data["y_test"]
    predicted = model.predict(x_test)
    error = 100.0 * np.mean(predicted != y_test)
    assert abs(error - report["metrics"]["test_error_pct"]) <= 1e-9
    assert int(np.sum(predicted != y_test)) == report["metrics"]["misclassified"]
    assert [w.shape for w in model.weights] == [(24, 10), (10, 6), (6, 3)]
    assert [b.shape for b in model.biases] == [(10,), (6,), (3,)]
    assert all(w.dtype == np.float32 for w in model.weights)
    assert model.sizes == [24, 10, 6, 3]
    assert list(model.classes_) == [0, 1, 2]
    assert model.config == report["config"]
    assert model.info["metrics"]["test_loss"] == report["metrics"]["test_loss"]
    # The same configuration trained in Python has the same weights.
    ours = mlp_sweep.train(data=features_data["path"], **CONFIG).model
    for a, b in zip(model.weights, ours.weights):
        assert np.array_equal(a, b)


def test_cli_image_model_loads_in_python(image_data, cli_train, tmp_path):
    path = tmp_path / "cli-images.safetensors"
    report = cli_train(image_data["path"], dict(epochs=1, hidden=40), "--save", path)
    model = mlp_sweep.load_model(path)
    x_test, y_test = image_data["x_test"], image_data["y_test"]
    error = 100.0 * np.mean(model.predict(x_test) != y_test)
    assert abs(error - report["metrics"]["test_error_pct"]) <= 1e-9
    assert [w.shape for w in model.weights] == [(784, 40), (40, 4)]
    assert model.biases == []
    # Images given flat are the same samples.
    assert np.array_equal(model.predict(x_test.reshape(len(x_test), -1)), model.predict(x_test))


def test_saved_model_round_trips(trained, tmp_path):
    _, run = trained
    path = tmp_path / "m.safetensors"
    run.model.save(str(path))
    back = mlp_sweep.load_model(str(path))
    x = trained[0]["x_test"]
    assert np.array_equal(back.predict_proba(x), run.model.predict_proba(x))
    assert np.array_equal(back.predict(x), run.model.predict(x))
    for a, b in zip(back.weights, run.model.weights):
        assert np.array_equal(a, b)
    assert back.sizes == run.model.sizes


def test_string_classes_survive_save_and_pickle(features_data, tmp_path):
    names = np.array(["red", "green", "blue"])
    x, y = features_data["x_train"], names[features_data["y_train"]]
    run = mlp_sweep.train(x, y, hidden=8, epochs=2, batch=16, loss="cross-entropy")
    path = tmp_path / "named.safetensors"
    run.model.save(path)
    for model in (mlp_sweep.load_model(path), pickle.loads(pickle.dumps(run.model))):
        assert sorted(model.classes_) == ["blue", "green", "red"]
        assert np.array_equal(model.predict(x), run.model.predict(x))


def test_model_pickles(trained):
    data, run = trained
    back = pickle.loads(pickle.dumps(run.model))
    x = data["x_test"]
    assert np.array_equal(back.predict_proba(x), run.model.predict_proba(x))
    assert np.array_equal(back.classes_, run.model.classes_)
    assert back.config == run.model.config
    assert repr(back) == repr(run.model)


def test_mse_probabilities_are_normalised(image_data, arrays):
    run = mlp_sweep.train(*arrays(image_data), epochs=1, hidden=30)
    assert not run.model._native.softmax
    p = run.model.predict_proba(image_data["x_test"])
    assert np.all(p >= 0) and np.all(p <= 1)
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-5)
    assert np.array_equal(
        run.model.classes_[np.argmax(run.model.decision_function(image_data["x_test"]), axis=1)],
        run.model.predict(image_data["x_test"]),
    )


def test_weights_are_fan_in_by_fan_out_and_compute_the_outputs(features_data):
    """Weights and biases reproduce the network's outputs by hand (no scaling: ``scale="none"``)."""
    x, y = features_data["x_train"], features_data["y_train"]
    run = mlp_sweep.train(
        x,
        y,
        hidden=(7, 5),
        epochs=2,
        batch=16,
        activation="relu",
        loss="cross-entropy",
        bias=True,
        init="he",
        scale="none",
    )
    w, b = run.model.weights, run.model.biases
    assert [a.shape for a in w] == [(24, 7), (7, 5), (5, 3)]
    h = x.astype(np.float64)
    for layer, (wl, bl) in enumerate(zip(w, b)):
        h = h @ wl + bl
        if layer < len(w) - 1:
            h = np.maximum(h, 0.0)
    p = np.exp(h - h.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    assert np.allclose(p, run.model.predict_proba(x), atol=1e-4)
