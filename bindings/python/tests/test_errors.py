"""Bad input raises the right exception with a one-line message (the CLI's where it has one)."""

from __future__ import annotations

import mlp_sweep
import numpy as np
import pytest

FAST = dict(hidden=8, epochs=1, batch=10, loss="cross-entropy")


def one_line(excinfo) -> str:
    message = str(excinfo.value)
    assert message, "an empty message"
    assert "\n" not in message, message
    return message


@pytest.fixture
def xy(features_data):
    return features_data["x_train"], features_data["y_train"]


@pytest.mark.parametrize(
    "name, suggestion", [("epoch", "epochs"), ("hiden", "hidden"), ("learning_rat", None)]
)
def test_unknown_field_is_type_error_with_suggestion(xy, name, suggestion):
    with pytest.raises(TypeError) as e:
        mlp_sweep.train(*xy, **{name: 1})
    message = one_line(e)
    assert repr(name) in message
    if suggestion:
        assert f"did you mean {suggestion!r}" in message
    else:
        assert "did you mean" not in message


def test_bad_value_is_value_error(xy):
    with pytest.raises(ValueError) as e:
        mlp_sweep.train(*xy, lr="fast")
    assert one_line(e).startswith("invalid lr")
    assert "fast" in str(e.value)


@pytest.mark.parametrize(
    "field, value",
    [
        ("lr", -1),
        ("lr", 0.0),
        ("epochs", 0),
        ("batch", 1000),
        ("beta1", 1.5),
        ("momentum", -0.1),
        ("train_samples", 10_000),
    ],
)
def test_out_of_range_matches_cli_message(xy, features_data, cli, field, value):
    with pytest.raises(ValueError) as e:
        mlp_sweep.train(*xy, **{field: value})
    message = one_line(e)
    assert message.startswith(f"invalid {field}: ")
    flag = "--" + field.replace("_", "-")
    proc = cli("train", "--data", features_data["path"], "--quiet", flag, value, check=False)
    assert proc.returncode != 0
    theirs = proc.stderr.strip().removeprefix("error: ").replace(flag, field, 1)
    assert theirs == message


@pytest.mark.parametrize(
    "field, value", [("bias", "maybe"), ("optimizer", "adamx"), ("hidden", 0), ("loss", "hinge")]
)
def test_bad_choice_is_value_error(xy, field, value):
    with pytest.raises(ValueError) as e:
        mlp_sweep.train(*xy, **{field: value})
    assert one_line(e).startswith(f"invalid {field}")


def test_unknown_recipe(xy, features_data, cli):
    with pytest.raises(ValueError) as e:
        mlp_sweep.train(*xy, recipe="no-such-recipe")
    message = one_line(e)
    assert message.startswith("invalid recipe: ")
    assert "no-such-recipe" in message
    for name in mlp_sweep.RECIPES:
        assert name in message
    proc = cli("train", "--data", features_data["path"], "--recipe", "no-such-recipe", check=False)
    assert (
        proc.stderr.strip()
        .removeprefix("error: ")
        .replace("--recipe", "recipe", 1)
        .startswith(message)
    )


@pytest.mark.parametrize("shape", [(240,), (240, 2, 3, 4)])
def test_wrong_ndim(xy, shape):
    x, y = xy
    with pytest.raises(ValueError) as e:
        mlp_sweep.train(np.zeros(shape, np.float32), y, **FAST)
    message = one_line(e)
    assert "x_train" in message and f"{len(shape)}-D" in message


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_features(xy, bad):
    x, y = xy
    x = x.copy()
    x[5, 3] = bad
    with pytest.raises(ValueError) as e:
        mlp_sweep.train(x, y, **FAST)
    message = one_line(e)
    assert "x_train" in message and "sample 5" in message and "feature 3" in message


def test_non_finite_test_features(xy):
    x, y = xy
    xt = x[:20].astype(np.float64)
    xt[2, 1] = np.nan
    with pytest.raises(ValueError) as e:
        mlp_sweep.train(x, y, xt, y[:20], **FAST)
    assert "x_test" in one_line(e)


def test_mismatched_lengths(xy):
    x, y = xy
    with pytest.raises(ValueError) as e:
        mlp_sweep.train(x, y[:-7], **FAST)
    message = one_line(e)
    assert str(len(x)) in message and str(len(y) - 7) in message
    with pytest.raises(ValueError) as e:
        mlp_sweep.train(x, y, x[:10], y[:9], **FAST)
    one_line(e)


def test_test_label_not_in_training_labels(xy):
    x, y = xy
    with pytest.raises(ValueError) as e:
        mlp_sweep.train(x, y, x[:10], np.full(10, 7), **FAST)
    message = one_line(e)
    assert "y_test" in message and "7" in message


def test_test_features_of_another_width(xy):
    x, y = xy
    with pytest.raises(ValueError) as e:
        mlp_sweep.train(x, y, x[:10, :5], y[:10], **FAST)
    message = one_line(e)
    assert "x_test" in message and "5" in message


def test_only_one_of_test_arrays(xy):
    x, y = xy
    with pytest.raises(ValueError) as e:
        mlp_sweep.train(x, y, x[:10], None, **FAST)
    one_line(e)


def test_text_features(xy):
    _, y = xy
    with pytest.raises(ValueError) as e:
        mlp_sweep.train(np.full((len(y), 3), "a"), y, **FAST)
    one_line(e)


def test_validation_leaving_nothing_to_train(xy):
    x, y = xy
    with pytest.raises(ValueError) as e:
        mlp_sweep.train(x, y, validation=len(y), **FAST)
    one_line(e)


def test_arrays_and_data_together(xy, features_data):
    with pytest.raises(ValueError) as e:
        mlp_sweep.train(*xy, data=features_data["path"])
    one_line(e)


def test_zero_threads(xy):
    with pytest.raises(ValueError) as e:
        mlp_sweep.train(*xy, threads=0, **FAST)
    assert one_line(e).startswith("invalid threads")


def test_missing_data_path(tmp_path, cli):
    missing = tmp_path / "missing.npz"
    with pytest.raises(FileNotFoundError) as e:
        mlp_sweep.train(data=missing, **FAST)
    message = one_line(e)
    assert str(missing) in message
    proc = cli("train", "--data", missing, check=False)
    assert proc.stderr.strip().removeprefix("error: ") == message
    with pytest.raises(FileNotFoundError):
        mlp_sweep.load_data(missing)


def test_missing_model_file(tmp_path):
    missing = tmp_path / "missing.safetensors"
    with pytest.raises(FileNotFoundError) as e:
        mlp_sweep.load_model(missing)
    assert str(missing) in one_line(e)


@pytest.mark.parametrize("content", [b"", b"not a model at all", b"\xff" * 64])
def test_not_a_model_file(tmp_path, features_data, content):
    for path in (tmp_path / "junk.safetensors", features_data["path"]):
        if path.parent == tmp_path:
            path.write_bytes(content)
        with pytest.raises(ValueError) as e:
            mlp_sweep.load_model(path)
        one_line(e)


def test_predict_with_wrong_feature_count(features_data):
    x, y = features_data["x_train"], features_data["y_train"]
    model = mlp_sweep.train(x, y, **FAST).model
    for bad in (x[:, :5], np.zeros((4, 25), np.float32), np.zeros((4, 5, 6), np.float32)):
        for method in (model.predict, model.predict_proba):
            with pytest.raises(ValueError) as e:
                method(bad)
            assert "24 features" in one_line(e)


def test_predict_images_of_another_size(image_data):
    model = mlp_sweep.train(image_data["x_train"], image_data["y_train"], epochs=1, hidden=10).model
    with pytest.raises(ValueError) as e:
        model.predict(np.zeros((3, 14, 56), np.uint8))
    assert "28x28" in one_line(e)


def test_sweep_errors(features_data, tmp_path):
    with pytest.raises(ValueError) as e:
        mlp_sweep.sweep(data=features_data["path"], out=tmp_path / "s")
    one_line(e)
    with pytest.raises(ValueError) as e:
        mlp_sweep.sweep(grid={"lr": [-1.0]}, data=features_data["path"], out=tmp_path / "s")
    assert "lr" in one_line(e)
    with pytest.raises(FileNotFoundError):
        mlp_sweep.read_results(tmp_path / "nothing-here")


def test_the_affine_scale_range_is_named_by_its_keyword(xy):
    with pytest.raises(ValueError) as e:
        mlp_sweep.train(*xy, affine_scale=-1.0, augment="affine", **FAST)
    message = one_line(e)
    assert "affine_scale" in message, message


@pytest.mark.parametrize("threads", [0, -1, 1.5, True])
def test_bad_thread_counts_are_value_errors(xy, threads):
    with pytest.raises(ValueError) as e:
        mlp_sweep.train(*xy, threads=threads, **FAST)
    assert one_line(e).startswith("invalid threads")


def test_arrays_beside_data_are_refused(features_data):
    with pytest.raises(ValueError) as e:
        mlp_sweep.train(
            data=features_data["path"],
            x_test=features_data["x_test"],
            y_test=features_data["y_test"],
            **FAST,
        )
    assert "not both" in one_line(e)


def test_a_search_with_a_recipe_is_refused(features_data, tmp_path):
    with pytest.raises(ValueError) as e:
        mlp_sweep.sweep(
            search={"method": "grid", "lr": {"choice": [0.1]}},
            recipe="simard-plain",
            data=features_data["path"],
            out=tmp_path / "s",
        )
    assert "recipe" in one_line(e)
