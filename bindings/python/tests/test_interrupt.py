"""Ctrl-C during training raises ``KeyboardInterrupt`` promptly; training releases the GIL."""

from __future__ import annotations

import math
import os
import signal
import threading
import time

import mlp_sweep
import numpy as np
import pytest

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "pthread_kill"), reason="needs signal.pthread_kill (POSIX)"
)

#: How long an uninterrupted run would take, at least.
LONG_S = 25.0
#: How soon after the signal the exception must come.
PROMPT_S = 1.5


@pytest.fixture(scope="module")
def big_images():
    rng = np.random.default_rng(3)
    x = np.where(rng.random((2000, 28, 28)) < 0.2, rng.integers(1, 256, (2000, 28, 28)), 0)
    return x.astype(np.uint8), rng.integers(0, 10, 2000)


@pytest.fixture(scope="module")
def big_features():
    rng = np.random.default_rng(4)
    return rng.normal(size=(4000, 200)).astype(np.float32), rng.integers(0, 4, 4000)


CONFIGS = {
    # The study's online run (one sample a step).
    "online": dict(hidden=300),
    # A minibatch run on two threads.
    "minibatch": dict(
        hidden=256,
        batch=16,
        optimizer="adam",
        loss="cross-entropy",
        bias=True,
        shuffle=True,
        threads=2,
    ),
}


def _epochs_for(seconds: float, x, y, fields) -> int:
    """Epochs that would take about ``seconds`` (the slope of two timed runs,
    as a run's start costs more than an epoch)."""

    def timed(epochs: int) -> float:
        start = time.monotonic()
        mlp_sweep.train(x, y, epochs=epochs, **fields)
        return time.monotonic() - start

    one, nine = timed(1), timed(9)
    per_epoch = max((nine - one) / 8, nine / 90, 1e-4)
    return max(2, math.ceil(seconds / per_epoch))


def _interrupt_main_after(delay: float, how: str) -> dict:
    sent: dict = {}

    def fire() -> None:
        sent["at"] = time.monotonic()
        if how == "pthread_kill":
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        else:
            os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(delay, fire)
    timer.daemon = True
    timer.start()
    sent["timer"] = timer
    return sent


@pytest.mark.parametrize("name, how", [("online", "pthread_kill"), ("minibatch", "kill")])
def test_ctrl_c_interrupts_training(name, how, big_images, big_features, tmp_path, monkeypatch):
    x, y = big_images if name == "online" else big_features
    fields = CONFIGS[name]
    epochs = _epochs_for(LONG_S, x, y, fields)
    monkeypatch.chdir(tmp_path)
    started = time.monotonic()
    sent = _interrupt_main_after(0.5, how)
    with pytest.raises(KeyboardInterrupt):
        mlp_sweep.train(x, y, epochs=epochs, **fields)
    ended = time.monotonic()
    sent["timer"].join()
    assert "at" in sent, "the signal was never sent"
    assert sent["at"] >= started
    assert ended - sent["at"] < PROMPT_S, (
        f"KeyboardInterrupt came {ended - sent['at']:.2f} s after SIGINT"
    )
    assert ended - started < LONG_S / 2
    # The interrupted run wrote nothing.
    assert list(tmp_path.iterdir()) == []
    # Training works again afterwards, and a model saves to exactly one file.
    run = mlp_sweep.train(x[:200], y[:200], epochs=1, **fields)
    run.model.save(tmp_path / "after.safetensors")
    assert [p.name for p in tmp_path.iterdir()] == ["after.safetensors"]
    assert mlp_sweep.load_model(tmp_path / "after.safetensors").sizes == run.model.sizes


def test_ctrl_c_with_on_epoch_callback(big_images):
    x, y = big_images
    fields = dict(hidden=300)
    epochs = _epochs_for(LONG_S, x, y, fields)
    seen = []
    started = time.monotonic()
    sent = _interrupt_main_after(0.5, "pthread_kill")
    with pytest.raises(KeyboardInterrupt):
        mlp_sweep.train(x, y, epochs=epochs, on_epoch=lambda r: seen.append(r["epoch"]), **fields)
    ended = time.monotonic()
    sent["timer"].join()
    assert ended - sent["at"] < PROMPT_S
    assert ended - started < LONG_S / 2
    assert 0 < len(seen) < epochs


def test_other_threads_run_while_training(big_images):
    """The GIL is released: a Python thread counts on while a ~1 s fit runs."""
    x, y = big_images
    fields = dict(hidden=300, threads=1)
    epochs = _epochs_for(1.0, x, y, fields)
    count = [0]
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            count[0] += 1

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    try:
        # The rate the thread counts at while the main thread sleeps.
        before = count[0]
        time.sleep(0.2)
        idle_rate = (count[0] - before) / 0.2
        before = count[0]
        start = time.monotonic()
        mlp_sweep.train(x, y, epochs=epochs, **fields)
        elapsed = time.monotonic() - start
        during = count[0] - before
    finally:
        stop.set()
        thread.join()
    assert elapsed > 0.3
    assert idle_rate > 0
    # Holding the GIL would leave the counter where it was.
    assert during > 0.2 * idle_rate * elapsed, (during, idle_rate, elapsed)


def test_ctrl_c_interrupts_sweep_and_rerun_finishes(big_images, tmp_path):
    x, y = big_images
    data = tmp_path / "big.npz"
    np.savez(data, x_train=x[:1500], y_train=y[:1500], x_test=x[1500:], y_test=y[1500:])
    # Two configurations of about 1 s each, run side by side.
    epochs = _epochs_for(1.0, x[:1500], y[:1500], dict(hidden=100, threads=1))
    grid = {"case": ["relu-sigmoid"], "hidden": [100], "lr": [0.01, 0.02], "epochs": [epochs]}
    out = tmp_path / "sweep"
    sent = _interrupt_main_after(0.4, "pthread_kill")
    with pytest.raises(KeyboardInterrupt) as e:
        mlp_sweep.sweep(grid=grid, data=data, out=out, threads=2, report=False)
    ended = time.monotonic()
    sent["timer"].join()
    assert ended - sent["at"] < PROMPT_S
    try:
        done = len(mlp_sweep.read_results(out))
    except FileNotFoundError:
        done = 0
    assert done < 2
    # The same sweep again resumes and finishes.
    records = mlp_sweep.sweep(grid=grid, data=data, out=out, threads=2, report=False)
    assert len(records) == 2
    assert sorted(r["fields"]["lr"] for r in records) == [0.01, 0.02]
    assert all(len(r["history"]) == epochs for r in records)
    # The sweep's exception says what was left (sweep.rs means it to:
    # "interrupted with N configurations not run; ...").
    message = str(e.value)
    assert "\n" not in message and "not run" in message, repr(message)
