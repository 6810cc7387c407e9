"""``mlp_sweep.sweep`` and ``read_results``."""

from __future__ import annotations

import mlp_sweep
import numpy as np
import pytest

GRID = {
    "case": ["relu-sigmoid"],
    "hidden": [8, 16],
    "lr": [0.01, 0.1],
    "epochs": [2],
    "batch": [16],
    "loss": ["cross-entropy"],
    "bias": [True],
}
#: Figures compared exactly.
EXACT = (
    "test_loss",
    "misclassified",
    "test_error_pct",
    "mean_train_loss",
    "final_train_loss",
    "accuracy",
)


@pytest.fixture(scope="module")
def swept(features_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "s"
    records = mlp_sweep.sweep(grid=GRID, data=features_data["path"], out=out, threads=2)
    return out, records


def test_sweep_returns_a_record_per_configuration(swept):
    _, records = swept
    assert len(records) == 4
    combos = sorted((r["fields"]["hidden"], r["fields"]["lr"]) for r in records)
    assert combos == [(8, 0.01), (8, 0.1), (16, 0.01), (16, 0.1)]
    assert len({r["key"] for r in records}) == 4
    for r in records:
        assert r["fields"]["epochs"] == 2 and r["fields"]["batch"] == 16
        assert r["fields"]["loss"] == "cross-entropy" and r["fields"]["bias"] is True
        assert len(r["history"]) == 2
        assert 0.0 <= r["metrics"]["test_error_pct"] <= 100.0
        assert r["metrics"]["test_samples"] == 80


def test_read_results_is_a_frame(swept):
    out, records = swept
    frame = mlp_sweep.read_results(out)
    assert len(frame) == 4
    for column in ("key", "hidden", "lr", "test_error_pct", "epochs_run"):
        assert column in frame.columns
    assert sorted(frame["key"]) == sorted(r["key"] for r in records)
    by_key = {r["key"]: r for r in records}
    for _, row in frame.iterrows():
        assert row["test_error_pct"] == by_key[row["key"]]["metrics"]["test_error_pct"]
        assert row["hidden"] == str(by_key[row["key"]]["fields"]["hidden"])
    assert set(frame["epochs_run"]) == {2}


def test_report_is_written(swept):
    out, _ = swept
    report = out / "report.md"
    assert report.is_file()
    assert report.stat().st_size > 0
    assert (out / "results.csv").is_file()
    page = (out / "report.html").read_text()
    assert '<script type="application/json" id="report-data">' in page
    assert '"live":null' in page


def test_resume_finishes_at_once_with_the_same_records(swept, features_data):
    out, records = swept
    lines = (out / "results.jsonl").read_text().splitlines()
    again = mlp_sweep.sweep(grid=GRID, data=features_data["path"], out=out, threads=2, resume=True)
    assert len(again) == 4
    key = lambda r: r["key"]  # noqa: E731
    for a, b in zip(sorted(records, key=key), sorted(again, key=key)):
        assert a["key"] == b["key"]
        assert a["metrics"] == b["metrics"]
        assert a["finished_unix"] == b["finished_unix"]
    # Nothing was trained again: no record was added.
    assert (out / "results.jsonl").read_text().splitlines() == lines


def test_rerun_without_resume_is_refused(swept, features_data):
    out, _ = swept
    with pytest.raises(ValueError) as e:
        mlp_sweep.sweep(grid=GRID, data=features_data["path"], out=out, resume=False)
    assert "\n" not in str(e.value) and "resume" in str(e.value)


@pytest.mark.parametrize("threads", [1, 2])
def test_sweep_record_equals_train(swept, features_data, threads):
    """A sweep trains each configuration on one thread from its seed; train
    gives the same bits on any number of threads."""
    _, records = swept
    for record in records:
        f = record["fields"]
        fields = {
            k: f[k]
            for k in ("case", "hidden", "lr", "epochs", "batch", "loss", "bias", "seed", "shuffle")
        }
        run = mlp_sweep.train(data=features_data["path"], threads=threads, **fields)
        for name in EXACT:
            assert run.metrics[name] == record["metrics"][name], name
        assert [h["train_loss"] for h in run.history] == [
            h["train_loss"] for h in record["history"]
        ]
        assert run.config == record["config"]


def test_grid_without_case_spans_both_cases(features_data, tmp_path):
    """As in a sweep file, a grid without ``case`` runs each network case."""
    grid = {k: v for k, v in GRID.items() if k != "case"}
    grid["hidden"] = [8]
    records = mlp_sweep.sweep(
        grid=grid, data=features_data["path"], out=tmp_path / "both", threads=2, report=False
    )
    assert len(records) == 4
    assert sorted({r["fields"]["case"] for r in records}) == ["relu-sigmoid", "tanh"]
    assert not (tmp_path / "both" / "report.md").exists()


def test_sweep_on_a_recipe_with_tuples(features_data, tmp_path):
    grid = {
        "hidden": [(6, 4)],
        "epochs": [3],
        "batch": [20],
        "lr": [np.float64(0.05)],
        "validation": [0],
        "train_samples": [240],
    }
    records = mlp_sweep.sweep(
        grid=grid,
        recipe="hinton-softmax",
        data=features_data["path"],
        out=tmp_path / "r",
        threads=1,
        report=False,
    )
    assert len(records) == 1
    assert records[0]["fields"]["hidden"] == "6-4"
    assert records[0]["fields"]["lr"] == 0.05
    assert records[0]["fields"]["loss"] == "cross-entropy"


def test_record_fields_train_again(swept, features_data):
    """A record's ``fields`` (every name in ``mlp_sweep.FIELDS``) are keywords
    ``train`` takes back, and give the record's run again."""
    _, records = swept
    record = records[0]
    assert set(record["fields"]) == set(mlp_sweep.FIELDS)
    run = mlp_sweep.train(data=features_data["path"], threads=1, **record["fields"])
    for name in EXACT:
        assert run.metrics[name] == record["metrics"][name], name


SEARCH = {
    "method": "random",
    "trials": 6,
    "seed": 5,
    "case": "relu-sigmoid",
    "epochs": 4,
    "eval_every": 1,
    "batch": 16,
    "loss": "cross-entropy",
    "bias": True,
    "hidden": {"choice": [8, 16]},
    "lr": {"log_uniform": [0.005, 0.2]},
    "halving": {"min_epochs": 1, "reduction": 2},
}

SEARCH_TOML = """
validation = 60

[[search]]
method = "random"
trials = 6
seed = 5
case = "relu-sigmoid"
epochs = 4
eval_every = 1
batch = 16
loss = "cross-entropy"
bias = true
hidden = { choice = [8, 16] }
lr = { log_uniform = [0.005, 0.2] }

[search.halving]
min_epochs = 1
reduction = 2
"""


def test_a_halving_search_from_a_dict_equals_the_cli_on_its_file(features_data, tmp_path, cli):
    """A ``[[search]]`` table given as a dict runs the search that the same
    sweep file runs through ``mlp sweep --config``: the same trials, stopped
    at the same rungs, with the same figures."""
    records = mlp_sweep.sweep(
        search=SEARCH,
        validation=60,
        data=features_data["path"],
        out=tmp_path / "py",
        threads=2,
        report=False,
    )
    config = tmp_path / "search.toml"
    config.write_text(SEARCH_TOML)
    cli(
        "sweep",
        "--config",
        config,
        "--data",
        features_data["path"],
        "--out",
        tmp_path / "cli",
        "--threads",
        "2",
        "--quiet",
        "--no-report",
    )
    by_cli = {r["key"]: r for r in mlp_sweep.read_results(tmp_path / "cli").to_dict("records")}
    assert len(records) == 6 == len(by_cli)
    stopped = [r for r in records if r.get("stopped_at_epoch") is not None]
    assert 0 < len(stopped) < 6, "halving stopped no trial, or every trial"
    for r in records:
        theirs = by_cli[r["key"]]
        assert r.get("stopped_at_epoch") == (
            None if np.isnan(theirs["stopped_at_epoch"]) else theirs["stopped_at_epoch"]
        )
        for name in EXACT + ("validation_error_pct",):
            assert r["metrics"][name] == theirs[name], (r["key"], name)
