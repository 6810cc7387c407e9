"""Shared fixtures: the ``mlp`` binary, small data sets made here, and CLI helpers.

Every data set is made from a seeded NumPy generator in the test session's
temporary folder; nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def mlp_bin() -> str:
    """The ``mlp`` CLI: ``$MLP_BIN``, else the newest of the repository's
    ``target/{debug,release}/mlp``, else one built by ``cargo build -p mlp-cli``."""
    given = os.environ.get("MLP_BIN")
    if given:
        if not Path(given).is_file():
            pytest.fail(f"MLP_BIN={given} is not a file")
        return given
    built = [
        p
        for p in (REPO / "target" / "debug" / "mlp", REPO / "target" / "release" / "mlp")
        if p.is_file()
    ]
    if built:
        return str(max(built, key=lambda p: p.stat().st_mtime))
    cargo = shutil.which("cargo")
    if cargo is None:
        pytest.skip("no mlp binary (set MLP_BIN) and no cargo to build one")
    subprocess.run([cargo, "build", "-p", "mlp-cli"], cwd=REPO, check=True)
    path = REPO / "target" / "debug" / "mlp"
    assert path.is_file(), f"cargo build -p mlp-cli made no {path}"
    return str(path)


def _flag_args(fields: dict[str, Any]) -> list[str]:
    """``mlp train`` flags for configuration fields given as Python keywords."""
    args: list[str] = []
    for name, value in fields.items():
        flag = "--" + name.replace("_", "-")
        if name == "shuffle":
            args.append("--shuffle" if value else "--no-shuffle")
        elif isinstance(value, bool):
            args += [flag, "true" if value else "false"]
        elif name == "hidden" and isinstance(value, (tuple, list)):
            args += [flag, "-".join(str(w) for w in value)]
        elif isinstance(value, float):
            args += [flag, repr(value)]
        else:
            args += [flag, str(value)]
    return args


@pytest.fixture(scope="session")
def cli(mlp_bin: str) -> Callable[..., subprocess.CompletedProcess]:
    """``cli(*args)`` runs ``mlp`` and returns the finished process (text output)."""

    def run(*args: Any, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [mlp_bin, *[str(a) for a in args]], capture_output=True, text=True, timeout=120
        )
        if check and proc.returncode != 0:
            pytest.fail(f"mlp {' '.join(map(str, args))} failed ({proc.returncode}): {proc.stderr}")
        return proc

    return run


@pytest.fixture(scope="session")
def cli_train(cli: Callable[..., subprocess.CompletedProcess]) -> Callable[..., dict[str, Any]]:
    """``cli_train(data, fields, *extra)``: ``mlp train --json --quiet``'s report as a dict."""

    def run(data: Any, fields: dict[str, Any], *extra: Any) -> dict[str, Any]:
        proc = cli("train", "--data", data, "--json", "--quiet", *_flag_args(fields), *extra)
        return json.loads(proc.stdout)

    return run


def _blobs(rng: np.random.Generator, n: int, features: int, classes: int, centers: np.ndarray):
    y = rng.integers(0, classes, n)
    x = centers[y] + rng.normal(size=(n, features))
    return x.astype(np.float32), y.astype(np.int64)


@pytest.fixture(scope="session")
def features_data(tmp_path_factory) -> dict[str, Any]:
    """Three classes of 24 float32 features (240 training, 80 test samples), and their ``.npz``."""
    rng = np.random.default_rng(1234)
    centers = rng.normal(size=(3, 24)) * 1.5
    x_train, y_train = _blobs(rng, 240, 24, 3, centers)
    x_test, y_test = _blobs(rng, 80, 24, 3, centers)
    path = tmp_path_factory.mktemp("features") / "features.npz"
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test, path=path)


def _images(rng: np.random.Generator, n: int, classes: int) -> tuple:
    y = rng.integers(0, classes, n)
    x = np.where(rng.random((n, 28, 28)) < 0.15, rng.integers(1, 256, (n, 28, 28)), 0)
    # A bright bar per class, so the classes can be told apart.
    for k in range(classes):
        x[y == k, 4 + 5 * k : 7 + 5 * k, 6:22] = 255
    return x.astype(np.uint8), y.astype(np.int64)


@pytest.fixture(scope="session")
def image_data(tmp_path_factory) -> dict[str, Any]:
    """Four classes of sparse 28x28 uint8 images (300 training, 100 test), and their ``.npz``."""
    rng = np.random.default_rng(99)
    x_train, y_train = _images(rng, 300, 4)
    x_test, y_test = _images(rng, 100, 4)
    path = tmp_path_factory.mktemp("images") / "images.npz"
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test, path=path)


@pytest.fixture(scope="session")
def arrays() -> Callable[[dict[str, Any]], tuple]:
    """``arrays(data)``: ``(x_train, y_train, x_test, y_test)`` of a data fixture."""

    def get(data: dict[str, Any]) -> tuple:
        return data["x_train"], data["y_train"], data["x_test"], data["y_test"]

    return get
