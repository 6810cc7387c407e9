"""``mlp_sweep.load_data`` on local files (nothing is downloaded)."""

from __future__ import annotations

import mlp_sweep
import numpy as np
import pytest


@pytest.mark.parametrize("which", ["features", "images"])
def test_npz_loads_as_saved(which, features_data, image_data):
    data = features_data if which == "features" else image_data
    (x, y), (xt, yt) = mlp_sweep.load_data(data["path"])
    for got, key in ((x, "x_train"), (y, "y_train"), (xt, "x_test"), (yt, "y_test")):
        assert got.shape == data[key].shape, key
        assert got.dtype == data[key].dtype, key
        assert np.array_equal(got, data[key]), key


def test_compressed_npz_and_other_dtypes(tmp_path):
    rng = np.random.default_rng(21)
    x = rng.normal(size=(50, 6))
    xt = rng.normal(size=(10, 6))
    y = rng.integers(0, 4, 50).astype(np.uint8)
    yt = rng.integers(0, 4, 10).astype(np.uint8)
    path = tmp_path / "c.npz"
    np.savez_compressed(path, x_train=x, y_train=y, x_test=xt, y_test=yt)
    (a, b), (c, d) = mlp_sweep.load_data(path)
    assert a.dtype == np.float64 and np.array_equal(a, x)
    assert np.array_equal(c, xt)
    assert np.array_equal(b, y) and np.array_equal(d, yt)


def test_npz_trains_as_loaded(features_data):
    (x, y), (xt, yt) = mlp_sweep.load_data(features_data["path"])
    fields = dict(hidden=8, epochs=2, batch=16, loss="cross-entropy", bias=True)
    from_arrays = mlp_sweep.train(x, y, xt, yt, **fields)
    from_path = mlp_sweep.train(data=features_data["path"], **fields)
    assert from_arrays.metrics["test_loss"] == from_path.metrics["test_loss"]


@pytest.fixture
def csv_table(tmp_path):
    rng = np.random.default_rng(22)
    names = np.array(["cat", "dog", "emu"])
    y = rng.integers(0, 3, 60)
    x = rng.normal(size=(3, 4))[y] * 3 + rng.normal(size=(60, 4))
    path = tmp_path / "animals.csv"
    with open(path, "w") as f:
        f.write("a,b,c,d,label\n")
        for row, label in zip(x, names[y]):
            f.write(",".join(repr(float(v)) for v in row) + f",{label}\n")
    return path, x, names[y]


def test_csv_with_string_labels(csv_table):
    path, x, labels = csv_table
    (a, b), (c, d) = mlp_sweep.load_data(path, test_fraction=0.25, split_seed=3)
    assert len(a) + len(c) == len(x)
    assert len(c) == 15
    assert a.shape[1] == c.shape[1] == 4
    for part in (b, d):
        assert all(isinstance(v, str) for v in part)
    assert set(b) | set(d) <= {"cat", "dog", "emu"}
    # Every row comes back with its own label.
    rows = {tuple(np.float32(v) for v in r): lab for r, lab in zip(x, labels)}
    for row, lab in zip(np.vstack([a, c]), np.concatenate([b, d])):
        assert rows[tuple(np.float32(v) for v in row)] == lab


def test_csv_split_seed_changes_the_split(csv_table):
    path, _, _ = csv_table
    (_, _), (c1, _) = mlp_sweep.load_data(path, test_fraction=0.25, split_seed=3)
    (_, _), (c2, _) = mlp_sweep.load_data(path, test_fraction=0.25, split_seed=4)
    (_, _), (c3, _) = mlp_sweep.load_data(path, test_fraction=0.25, split_seed=3)
    assert np.array_equal(c1, c3)
    assert not np.array_equal(c1, c2)


def test_csv_trains_with_string_classes(csv_table):
    path, _, _ = csv_table
    (_, _), (xt, yt) = mlp_sweep.load_data(path, test_fraction=0.25, split_seed=3)
    run = mlp_sweep.train(
        data=path,
        test_fraction=0.25,
        split_seed=3,
        hidden=8,
        epochs=5,
        batch=5,
        loss="cross-entropy",
        bias=True,
    )
    assert list(run.model.classes_) == ["cat", "dog", "emu"]
    predicted = run.model.predict(xt)
    assert set(predicted) <= {"cat", "dog", "emu"}
    assert run.metrics["test_error_pct"] == pytest.approx(
        100.0 * np.mean(predicted != yt), abs=1e-9
    )


def test_csv_label_column_by_index(tmp_path):
    path = tmp_path / "first.csv"
    rng = np.random.default_rng(23)
    with open(path, "w") as f:
        f.write("kind,u,v\n")
        for _ in range(30):
            f.write(f"{rng.choice(['p', 'q'])},{rng.normal()},{rng.normal()}\n")
    (a, b), (c, d) = mlp_sweep.load_data(path, label_column=0, test_fraction=0.2)
    assert a.shape[1] == 2
    assert set(b) | set(d) <= {"p", "q"}


def test_data_as_a_mapping(csv_table):
    path, _, _ = csv_table
    fields = dict(hidden=6, epochs=2, batch=5, loss="cross-entropy")
    by_keywords = mlp_sweep.train(data=path, test_fraction=0.3, split_seed=9, **fields)
    by_mapping = mlp_sweep.train(
        data={"path": str(path), "test_fraction": 0.3, "split_seed": 9}, **fields
    )
    assert by_keywords.metrics["test_loss"] == by_mapping.metrics["test_loss"]
    assert by_keywords.metrics["test_samples"] == 18
