"""``mlp_sweep.train`` against ``mlp train``: the same configuration gives the same bits."""

from __future__ import annotations

import tracemalloc

import mlp_sweep
import numpy as np
import pytest

#: Metrics that measure time, and so differ between any two runs.
TIMING = ("train_seconds", "eval_seconds", "steps_per_second")

#: The figures compared exactly between the CLI and Python.
EXACT = ("test_loss", "misclassified", "test_error_pct", "mean_train_loss", "final_train_loss")

MINIBATCH_CONFIGS = {
    "adam-shuffled-two-layers": dict(
        hidden=(16, 8),
        lr=0.01,
        epochs=3,
        batch=16,
        optimizer="adam",
        loss="cross-entropy",
        bias=True,
        init="glorot",
        seed=7,
        shuffle=True,
    ),
    "nesterov-l2-dropout": dict(
        hidden=12,
        lr=0.05,
        epochs=2,
        batch=20,
        optimizer="nesterov",
        momentum=0.8,
        l2=1e-4,
        dropout=0.25,
        activation="tanh",
        loss="cross-entropy",
        bias=True,
        init="he",
        seed=3,
        shuffle=True,
    ),
}


def _untimed(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in TIMING}


def assert_same_run(cli_report: dict, run: mlp_sweep.Run) -> None:
    """The figures, every epoch and the configuration agree exactly."""
    for key in EXACT:
        assert key in run.metrics, key
        assert run.metrics[key] == cli_report["metrics"][key], key
    assert _untimed(run.metrics) == _untimed(cli_report["metrics"])
    assert len(run.history) == len(cli_report["history"]) == run.config["epochs"]
    for ours, theirs in zip(run.history, cli_report["history"]):
        assert ours["train_loss"] == theirs["train_loss"]
        assert _untimed(ours) == _untimed(theirs)
    assert run.config == cli_report["config"]
    assert run.report["confusion"] == cli_report["confusion"]
    assert run.report["block_samples"] == cli_report["block_samples"]


@pytest.mark.parametrize("name", sorted(MINIBATCH_CONFIGS))
def test_minibatch_features_match_cli(name, features_data, arrays, cli_train):
    fields = MINIBATCH_CONFIGS[name]
    theirs = cli_train(features_data["path"], fields)
    ours = mlp_sweep.train(*arrays(features_data), **fields)
    assert_same_run(theirs, ours)
    # Not a trivially equal pair of runs: training moved the loss.
    losses = [h["train_loss"] for h in ours.history]
    assert losses[-1] < losses[0]


def test_default_study_config_on_images_matches_cli(image_data, arrays, cli_train):
    fields = dict(epochs=1)
    theirs = cli_train(image_data["path"], fields)
    ours = mlp_sweep.train(*arrays(image_data), **fields)
    assert_same_run(theirs, ours)
    # The study's configuration: online (one sample a step), no shuffle, MSE.
    assert ours.metrics["steps"] == len(image_data["y_train"])
    assert ours.config["shuffle"] is False
    assert ours.model.sizes[0] == 28 * 28


@pytest.mark.parametrize("which", ["features", "images"])
def test_data_path_matches_cli(which, features_data, image_data, cli_train):
    data = features_data if which == "features" else image_data
    fields = (
        MINIBATCH_CONFIGS["adam-shuffled-two-layers"]
        if which == "features"
        else dict(epochs=1, seed=5)
    )
    theirs = cli_train(data["path"], fields)
    ours = mlp_sweep.train(data=data["path"], **fields)
    assert_same_run(theirs, ours)
    # A path given as a str reads the same file.
    again = mlp_sweep.train(data=str(data["path"]), **fields)
    assert again.metrics["final_train_loss"] == ours.metrics["final_train_loss"]


def test_cli_threads_do_not_change_results(features_data, arrays, cli_train):
    fields = MINIBATCH_CONFIGS["adam-shuffled-two-layers"]
    theirs = cli_train(features_data["path"], fields, "--threads", "1")
    ours = mlp_sweep.train(*arrays(features_data), threads=2, **fields)
    assert_same_run(theirs, ours)


@pytest.mark.parametrize("name", sorted(MINIBATCH_CONFIGS))
def test_threads_give_identical_weights(name, features_data, arrays):
    fields = MINIBATCH_CONFIGS[name]
    one = mlp_sweep.train(*arrays(features_data), threads=1, **fields)
    two = mlp_sweep.train(*arrays(features_data), threads=2, **fields)
    assert len(one.model.weights) == len(two.model.weights) == 3 - isinstance(fields["hidden"], int)
    for a, b in zip(one.model.weights, two.model.weights):
        assert np.array_equal(a, b)
    for a, b in zip(one.model.biases, two.model.biases):
        assert np.array_equal(a, b)
    assert one.metrics["final_train_loss"] == two.metrics["final_train_loss"]


def test_seed_changes_weights(features_data, arrays):
    fields = dict(MINIBATCH_CONFIGS["adam-shuffled-two-layers"])
    a = mlp_sweep.train(*arrays(features_data), **fields)
    fields["seed"] = 8
    b = mlp_sweep.train(*arrays(features_data), **fields)
    assert not np.array_equal(a.model.weights[0], b.model.weights[0])


def test_run_figures_are_consistent(features_data, arrays):
    x, y, xt, yt = arrays(features_data)
    run = mlp_sweep.train(x, y, xt, yt, **MINIBATCH_CONFIGS["adam-shuffled-two-layers"])
    predicted = run.model.predict(xt)
    assert run.metrics["misclassified"] == int(np.sum(predicted != yt))
    assert run.metrics["test_error_pct"] == pytest.approx(
        100.0 * np.mean(predicted != yt), abs=1e-9
    )
    assert run.model.score(xt, yt) == pytest.approx(run.metrics["accuracy"], abs=1e-12)
    p = run.model.predict_proba(xt)
    assert p.shape == (len(yt), 3)
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-5)
    assert list(run.history_frame()["epoch"]) == [1, 2, 3]
    assert [w.shape for w in run.model.weights] == [(24, 16), (16, 8), (8, 3)]
    assert run.model.sizes == [24, 16, 8, 3]


def test_without_test_set_has_no_test_figures(features_data):
    run = mlp_sweep.train(
        features_data["x_train"], features_data["y_train"], epochs=1, batch=10, loss="cross-entropy"
    )
    assert "final_train_loss" in run.metrics
    assert not any(k.startswith("test_") for k in run.metrics)
    assert "misclassified" not in run.metrics


def test_on_epoch_sees_every_epoch_and_can_stop(features_data, arrays):
    seen = []
    run = mlp_sweep.train(
        *arrays(features_data),
        epochs=6,
        batch=16,
        loss="cross-entropy",
        on_epoch=lambda r: seen.append(r["epoch"]) or r["epoch"] >= 2,
    )
    assert seen == [1, 2]
    assert len(run.history) == 2


def test_on_epoch_error_is_raised(features_data, arrays):
    def boom(record):
        raise ZeroDivisionError("from the callback")

    with pytest.raises(ZeroDivisionError, match="from the callback"):
        mlp_sweep.train(*arrays(features_data), epochs=3, batch=16, on_epoch=boom)


def test_init_from_continues_training(features_data, arrays):
    fields = dict(hidden=8, lr=0.05, batch=16, loss="cross-entropy", bias=True, seed=2)
    first = mlp_sweep.train(*arrays(features_data), epochs=2, **fields)
    more = mlp_sweep.train(*arrays(features_data), epochs=1, init_from=first.model, **fields)
    fresh = mlp_sweep.train(*arrays(features_data), epochs=1, **fields)
    assert not np.array_equal(more.model.weights[0], fresh.model.weights[0])
    assert more.history[0]["train_loss"] < fresh.history[0]["train_loss"]


# Input dtypes and layouts.

FAST = dict(hidden=8, epochs=1, batch=10, loss="cross-entropy", bias=True, seed=1)


def _weights(run: mlp_sweep.Run) -> list:
    return run.model.weights + run.model.biases


def _same(a: mlp_sweep.Run, b: mlp_sweep.Run) -> bool:
    return all(np.array_equal(u, v) for u, v in zip(_weights(a), _weights(b)))


@pytest.mark.parametrize(
    "dtype", [np.float64, np.float32, np.uint8, np.int64, np.int16, np.float16]
)
def test_dtypes_train(dtype, features_data):
    rng = np.random.default_rng(5)
    x = features_data["x_train"]
    if np.dtype(dtype).kind in "iu":
        x = rng.integers(0, 256, x.shape)
    x = x.astype(dtype)
    run = mlp_sweep.train(x, features_data["y_train"], **FAST)
    assert np.isfinite(run.metrics["final_train_loss"])
    assert run.model.predict(x).shape == (len(x),)


def test_byte_valued_integers_train_as_bytes(features_data):
    rng = np.random.default_rng(6)
    x = rng.integers(0, 256, features_data["x_train"].shape)
    y = features_data["y_train"]
    as_int = mlp_sweep.train(x.astype(np.int64), y, **FAST)
    as_bytes = mlp_sweep.train(x.astype(np.uint8), y, **FAST)
    assert _same(as_int, as_bytes)
    assert as_int.model.info["scaling"]["kind"] == "pixel"


def test_float64_and_float32_agree(features_data):
    x, y = features_data["x_train"], features_data["y_train"]
    a = mlp_sweep.train(x.astype(np.float64), y, **FAST)
    b = mlp_sweep.train(x.astype(np.float32), y, **FAST)
    assert a.metrics["final_train_loss"] == pytest.approx(b.metrics["final_train_loss"], rel=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
def test_fortran_order_and_slices_equal_their_contiguous_copies(dtype, features_data):
    rng = np.random.default_rng(7)
    y = features_data["y_train"]
    base = rng.normal(size=(2 * len(y), 48)) * 40 + 100
    base = np.clip(base, 0, 255).astype(dtype)
    sliced = base[::2, ::2]
    assert not sliced.flags.c_contiguous
    fortran = np.asfortranarray(sliced)
    assert not fortran.flags.c_contiguous
    reference = mlp_sweep.train(np.ascontiguousarray(sliced), y, **FAST)
    assert _same(mlp_sweep.train(sliced, y, **FAST), reference)
    assert _same(mlp_sweep.train(fortran, y, **FAST), reference)
    # Prediction reads the same layouts.
    assert np.array_equal(
        reference.model.predict_proba(fortran), reference.model.predict_proba(sliced)
    )


def test_images_and_flattened_images_agree(image_data):
    x, y = image_data["x_train"], image_data["y_train"]
    fields = dict(FAST, batch=20)
    images = mlp_sweep.train(x, y, **fields)
    flat = mlp_sweep.train(x.reshape(len(x), -1), y, **fields)
    assert _same(images, flat)


def test_labels_of_any_type_train_alike(features_data):
    x, y = features_data["x_train"], features_data["y_train"]
    names = np.array(["ant", "bee", "cat"])
    by_number = mlp_sweep.train(x, y, **FAST)
    by_name = mlp_sweep.train(x, names[y], **FAST)
    by_int32 = mlp_sweep.train(x, y.astype(np.int32), **FAST)
    assert _same(by_number, by_name)
    assert _same(by_number, by_int32)
    assert list(by_name.model.classes_) == ["ant", "bee", "cat"]
    assert np.array_equal(by_name.model.predict(x), names[by_number.model.predict(x)])


def test_c_contiguous_float32_is_not_copied():
    """A C-contiguous float32 array is read in place: NumPy allocates nothing
    near its size (tracemalloc sees NumPy's buffers, not Rust's). A
    Fortran-ordered one is copied once, which shows the probe works."""
    rng = np.random.default_rng(8)
    x = rng.normal(size=(1500, 1000)).astype(np.float32)  # 6 MB
    y = rng.integers(0, 2, 1500)
    fields = dict(hidden=4, epochs=1, batch=100, loss="cross-entropy", bias=True)

    def peak(array: np.ndarray) -> int:
        tracemalloc.start()
        try:
            run = mlp_sweep.train(array, y, **fields)
            run.model.predict_proba(array)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    assert peak(x) < x.nbytes // 4
    assert peak(np.asfortranarray(x)) >= x.nbytes


def test_progress_prints_each_epoch(features_data, arrays, capsys):
    mlp_sweep.train(
        *arrays(features_data), hidden=4, epochs=3, batch=40, eval_every=1, progress=True
    )
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("epoch 1")
    assert "train loss" in lines[0] and "test error" in lines[0]
