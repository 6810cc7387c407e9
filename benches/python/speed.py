"""Training speed on MNIST: mlp_sweep against scikit-learn and PyTorch, side by side.

Every tool trains the same network, 784-800-10 with a ReLU hidden layer and a
softmax output under cross-entropy, by Adam (lr 1e-3, betas 0.9/0.999, eps
1e-8) with scikit-learn's L2 penalty ``alpha`` (1e-4; ``alpha / batch`` per
weight, none on biases) for ``--epochs`` epochs of shuffled minibatches (the
last one short), on the same float32 inputs (pixels / 255, samples x 784) and
labels, from Glorot-uniform weights (PyTorch's loop sets them so; scikit-learn
also draws its biases from that range, the others start them at 0). For each
batch size and thread count the tools run one after another (interleaved), so
noise on the machine falls on all of them alike. Only the fit is timed (wall
clock around ``fit`` or the training loop; loading and converting the data is
not); samples/s is epochs run x training samples / seconds, and the test error
is measured on the 10,000 test images.

The tools are optional: one whose package does not import is reported as
"not installed" and skipped. With everything in one interpreter a single run
covers all three (preferred: the tools are then interleaved)::

    /tmp/torchenv/bin/pip install <the mlp-sweep wheel>
    /tmp/torchenv/bin/python benches/python/speed.py --tools mlp,sklearn,torch

Otherwise run each interpreter with ``--json`` and merge the rows afterwards::

    /tmp/npenv/bin/python benches/python/speed.py --tools mlp,sklearn \\
        --json /tmp/speed-np.jsonl
    /tmp/torchenv/bin/python benches/python/speed.py --tools torch \\
        --json /tmp/speed-torch.jsonl
    /tmp/npenv/bin/python benches/python/speed.py \\
        --merge /tmp/speed-np.jsonl /tmp/speed-torch.jsonl

A quick smoke test::

    /tmp/npenv/bin/python benches/python/speed.py --tools mlp,sklearn \\
        --train-samples 3000 --epochs 1 --batches 64 --threads 1

``--data`` is a folder of MNIST IDX files (raw or ``.gz``); it defaults to
``$MNIST_DIR``, else ``data/mnist`` in the repository (``cargo xtask
download`` fills it).
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import importlib.metadata
import json
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

REPO = Path(__file__).resolve().parents[2]
HIDDEN = 800
FEATURES = 784
CLASSES = 10
LEARNING_RATE = 1e-3
ALPHA = 1e-4
WARMUP_SAMPLES = 512


@dataclass(frozen=True)
class Data:
    """Training and test sets: float32 samples x 784 in [0, 1], int64 labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@dataclass(frozen=True)
class Setting:
    """One configuration every tool is run under."""

    batch: int
    threads: int
    epochs: int
    seed: int
    alpha: float = ALPHA
    lr: float = LEARNING_RATE


@dataclass(frozen=True)
class Outcome:
    """What one tool's fit gives back: epochs run, wall seconds, test predictions."""

    epochs_run: int
    seconds: float
    predictions: np.ndarray
    inner_seconds: float | None = None


@dataclass
class Row:
    """One timed fit, as printed and as written to ``--json``."""

    tool: str
    version: str
    batch: int
    threads: int
    epochs: int
    epochs_run: int
    n_train: int
    n_test: int
    seconds: float
    samples_per_s: float
    test_error_pct: float
    inner_seconds: float | None
    host: str
    python: str


Fit = Callable[[Data, Setting], Outcome]


# ---------------------------------------------------------------------------
# Data


def _idx_file(folder: Path, stem: str) -> Path:
    """The IDX file ``stem`` in ``folder``, raw or gzipped, in either spelling."""
    spellings = (stem, stem.replace("-idx", ".idx"))
    for name in spellings:
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    raise FileNotFoundError(f"no {stem} (raw or .gz) in {folder}")


def _read_idx(path: Path) -> np.ndarray:
    """An IDX file of unsigned bytes (big-endian header) as a uint8 array."""
    with path.open("rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    zero, dtype, dims = raw[0:2], raw[2], raw[3]
    if zero != b"\x00\x00" or dtype != 0x08:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes")
    shape = tuple(
        int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)
    )
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says {shape}, file holds {data.size} bytes")
    return data.reshape(shape)


def _load_idx(folder: Path) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """``(x_train, y_train), (x_test, y_test)`` from raw IDX files, without mlp_sweep."""
    x = _read_idx(_idx_file(folder, "train-images-idx3-ubyte"))
    y = _read_idx(_idx_file(folder, "train-labels-idx1-ubyte"))
    xt = _read_idx(_idx_file(folder, "t10k-images-idx3-ubyte"))
    yt = _read_idx(_idx_file(folder, "t10k-labels-idx1-ubyte"))
    return (x, y), (xt, yt)


def load_mnist(folder: Path, train_samples: int | None) -> tuple[Data, str]:
    """MNIST as every tool gets it, and which loader read it."""
    try:
        import mlp_sweep

        (x, y), (xt, yt) = mlp_sweep.load_data(str(folder))
        loader = "mlp_sweep.load_data"
    except ImportError:
        (x, y), (xt, yt) = _load_idx(folder)
        loader = "numpy IDX reader"
    if train_samples is not None:
        if not 1 <= train_samples <= len(x):
            raise SystemExit(
                f"--train-samples must be in 1..{len(x)}, got {train_samples}"
            )
        x, y = x[:train_samples], y[:train_samples]

    def features(images: np.ndarray) -> np.ndarray:
        flat = images.reshape(len(images), -1).astype(np.float32) / np.float32(255)
        return np.ascontiguousarray(flat, dtype=np.float32)

    def labels(values: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(values, dtype=np.int64)

    data = Data(features(x), labels(y), features(xt), labels(yt))
    if data.x_train.shape[1] != FEATURES:
        raise SystemExit(f"expected {FEATURES} features, got {data.x_train.shape[1]}")
    return data, loader


# ---------------------------------------------------------------------------
# Tools


def fit_mlp(data: Data, s: Setting) -> Outcome:
    """mlp_sweep's scikit-learn estimator, on ``s.threads`` threads."""
    from mlp_sweep.sklearn import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=(HIDDEN,),
        activation="relu",
        solver="adam",
        alpha=s.alpha,
        batch_size=s.batch,
        learning_rate_init=s.lr,
        max_iter=s.epochs,
        tol=0.0,
        n_iter_no_change=s.epochs + 1,
        shuffle=True,
        random_state=s.seed,
        threads=s.threads,
    )
    start = time.perf_counter()
    clf.fit(data.x_train, data.y_train)
    seconds = time.perf_counter() - start
    inner = clf.metrics_.get("train_seconds")
    return Outcome(
        epochs_run=int(clf.n_iter_),
        seconds=seconds,
        predictions=np.asarray(clf.predict(data.x_test)),
        inner_seconds=float(inner) if inner is not None else None,
    )


def fit_sklearn(data: Data, s: Setting) -> Outcome:
    """scikit-learn's ``MLPClassifier``, its BLAS limited to ``s.threads`` threads."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits

    clf = MLPClassifier(
        hidden_layer_sizes=(HIDDEN,),
        activation="relu",
        solver="adam",
        alpha=s.alpha,
        batch_size=s.batch,
        learning_rate_init=s.lr,
        max_iter=s.epochs,
        tol=0.0,
        n_iter_no_change=s.epochs + 1,
        shuffle=True,
        random_state=s.seed,
        early_stopping=False,
    )
    with threadpool_limits(limits=s.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        clf.fit(data.x_train, data.y_train)
        seconds = time.perf_counter() - start
        predictions = np.asarray(clf.predict(data.x_test))
    return Outcome(
        epochs_run=int(clf.n_iter_), seconds=seconds, predictions=predictions
    )


def fit_torch(data: Data, s: Setting) -> Outcome:
    """A plain PyTorch loop on ``s.threads`` intra-op threads."""
    import torch
    from torch import nn

    torch.set_num_threads(s.threads)
    torch.manual_seed(s.seed)
    model = nn.Sequential(
        nn.Linear(FEATURES, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, CLASSES)
    )
    # mlp's initialisation (Glorot uniform weights, zero biases), not torch's.
    for layer in model:
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in model.named_parameters() if name.endswith("bias")]
    # scikit-learn's penalty: alpha / 2 * |W|^2 / batch on the weights only.
    optimizer = torch.optim.Adam(
        [
            {"params": weights, "weight_decay": s.alpha / s.batch},
            {"params": biases, "weight_decay": 0.0},
        ],
        lr=s.lr,
        betas=(0.9, 0.999),
        eps=1e-8,
    )
    loss_fn = nn.CrossEntropyLoss()
    x = torch.from_numpy(data.x_train)
    y = torch.from_numpy(data.y_train)
    n = x.shape[0]
    generator = torch.Generator().manual_seed(s.seed)

    start = time.perf_counter()
    model.train()
    for _ in range(s.epochs):
        order = torch.randperm(n, generator=generator)
        xs, ys = x[order], y[order]
        for lo in range(0, n, s.batch):
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xs[lo : lo + s.batch]), ys[lo : lo + s.batch])
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - start

    model.eval()
    with torch.no_grad():
        predictions = model(torch.from_numpy(data.x_test)).argmax(dim=1).numpy()
    return Outcome(epochs_run=s.epochs, seconds=seconds, predictions=predictions)


@dataclass(frozen=True)
class Tool:
    """A tool under test: its name, the module that must import, its fit."""

    name: str
    module: str
    distribution: str
    fit: Fit


TOOLS: dict[str, Tool] = {
    "mlp": Tool("mlp", "mlp_sweep", "mlp-sweep", fit_mlp),
    "sklearn": Tool("sklearn", "sklearn.neural_network", "scikit-learn", fit_sklearn),
    "torch": Tool("torch", "torch", "torch", fit_torch),
}


def tool_version(tool: Tool) -> str | None:
    """The tool's version when its module imports, else None."""
    try:
        importlib.import_module(tool.module)
    except ImportError:
        return None
    try:
        return importlib.metadata.version(tool.distribution)
    except importlib.metadata.PackageNotFoundError:
        root = importlib.import_module(tool.module.split(".")[0])
        return str(getattr(root, "__version__", "unknown"))


# ---------------------------------------------------------------------------
# Machine


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, else what platform says."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def host_line() -> str:
    """One line naming the machine."""
    return f"{cpu_model()}, {os.cpu_count()} CPUs, {platform.platform()}"


def blas_lines() -> list[str]:
    """The BLAS/OpenMP libraries loaded so far, as threadpoolctl sees them."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [
        f"{i.get('internal_api')} {i.get('version')} "
        f"({i.get('threading_layer', '-')}, {i.get('num_threads')} threads) "
        f"{Path(str(i.get('filepath'))).name}"
        for i in threadpool_info()
    ]


def print_header(versions: dict[str, str | None], loader: str, data: Data) -> None:
    print(f"machine: {host_line()}")
    print(f"python:  {platform.python_version()} ({sys.executable})")
    print(f"numpy:   {np.__version__}")
    for name, version in versions.items():
        print(f"{name + ':':8} {version or 'not installed'}")
    for line in blas_lines():
        print(f"blas:    {line}")
    print(
        f"data:    {len(data.x_train)} train, {len(data.x_test)} test samples "
        f"(read by {loader})"
    )
    print()


# ---------------------------------------------------------------------------
# Runs


def run_one(tool: Tool, version: str, data: Data, s: Setting, host: str) -> Row:
    outcome = tool.fit(data, s)
    n_train, n_test = len(data.x_train), len(data.x_test)
    error = float(np.mean(outcome.predictions.astype(np.int64) != data.y_test)) * 100
    return Row(
        tool=tool.name,
        version=version,
        batch=s.batch,
        threads=s.threads,
        epochs=s.epochs,
        epochs_run=outcome.epochs_run,
        n_train=n_train,
        n_test=n_test,
        seconds=outcome.seconds,
        samples_per_s=outcome.epochs_run * n_train / outcome.seconds,
        test_error_pct=error,
        inner_seconds=outcome.inner_seconds,
        host=host,
        python=sys.executable,
    )


def warm_up(tool: Tool, data: Data, seed: int) -> None:
    """One untimed short fit, so one-time start-up costs stay out of the timings."""
    small = Data(
        data.x_train[:WARMUP_SAMPLES],
        data.y_train[:WARMUP_SAMPLES],
        data.x_test[:WARMUP_SAMPLES],
        data.y_test[:WARMUP_SAMPLES],
    )
    tool.fit(small, Setting(batch=64, threads=1, epochs=1, seed=seed))


def run_all(
    tools: Sequence[Tool],
    versions: dict[str, str | None],
    data: Data,
    args: argparse.Namespace,
    sink: TextIO | None,
) -> list[Row]:
    """Every batch x threads configuration, the tools interleaved within each."""
    host = host_line()
    ready = [t for t in tools if versions[t.name] is not None]
    for tool in tools:
        if versions[tool.name] is None:
            print(f"{tool.name}: {tool.module} not installed, skipped", flush=True)
    for tool in ready:
        warm_up(tool, data, args.seed)
    rows: list[Row] = []
    for batch in args.batches:
        for threads in args.threads:
            setting = Setting(batch, threads, args.epochs, args.seed, args.alpha)
            for tool in ready:
                print(
                    f"  batch {batch:4}  threads {threads}  {tool.name:8} ...",
                    end="",
                    flush=True,
                )
                row = run_one(tool, str(versions[tool.name]), data, setting, host)
                print(
                    f" {row.seconds:8.2f} s {row.samples_per_s:10.0f} samples/s "
                    f"{row.test_error_pct:6.2f} % error",
                    flush=True,
                )
                rows.append(row)
                if sink is not None:
                    sink.write(json.dumps(asdict(row)) + "\n")
                    sink.flush()
    print()
    return rows


def read_rows(paths: Sequence[str]) -> list[Row]:
    rows: list[Row] = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            rows.extend(Row(**json.loads(line)) for line in f if line.strip())
    return rows


# ---------------------------------------------------------------------------
# Report


def _row_order(row: Row) -> tuple[int, int, int]:
    """Rows by batch, then threads, then the tools in TOOLS' order."""
    tools = list(TOOLS)
    rank = tools.index(row.tool) if row.tool in tools else len(tools)
    return (row.batch, row.threads, rank)


def print_table(rows: Sequence[Row]) -> None:
    header = (
        f"{'batch':>5} {'thr':>3}  {'tool':<8} {'version':<10} {'epochs':>6} "
        f"{'seconds':>8} {'samples/s':>10} {'test err %':>10} {'inner s':>8}"
    )
    print(header)
    print("-" * len(header))
    previous: tuple[int, int] | None = None
    for r in sorted(rows, key=_row_order):
        if previous is not None and previous != (r.batch, r.threads):
            print()
        previous = (r.batch, r.threads)
        inner = f"{r.inner_seconds:8.2f}" if r.inner_seconds is not None else f"{'':>8}"
        line = (
            f"{r.batch:5} {r.threads:3}  {r.tool:<8} {r.version:<10} {r.epochs_run:6} "
            f"{r.seconds:8.2f} {r.samples_per_s:10.0f} {r.test_error_pct:10.2f} {inner}"
        )
        print(line.rstrip())
    print()
    print("inner s: the engine's own training time (mlp only), without the Python side")


def print_ratios(rows: Sequence[Row]) -> None:
    """mlp's samples/s over scikit-learn's and PyTorch's, per batch and threads."""
    speed: dict[tuple[int, int, str], list[float]] = {}
    for r in rows:
        speed.setdefault((r.batch, r.threads, r.tool), []).append(r.samples_per_s)
    configs = sorted({(b, t) for b, t, _ in speed})
    peers = [name for name in ("sklearn", "torch") if any(k[2] == name for k in speed)]
    if not any(k[2] == "mlp" for k in speed) or not peers:
        return
    print()
    print(
        "mlp samples/s relative to the others (>1: mlp is faster; medians of repeats)"
    )
    print(f"{'batch':>5} {'thr':>3}" + "".join(f"  {'mlp/' + p:>12}" for p in peers))
    for batch, threads in configs:
        mlp = speed.get((batch, threads, "mlp"))
        cells = []
        for peer in peers:
            other = speed.get((batch, threads, peer))
            if mlp and other:
                ratio = statistics.median(mlp) / statistics.median(other)
                cells.append(f"{ratio:11.2f}x")
            else:
                cells.append(f"{'-':>12}")
        print(f"{batch:5} {threads:3}" + "".join(f"  {c}" for c in cells))


def report(rows: Sequence[Row]) -> None:
    if not rows:
        print("no results")
        return
    hosts = sorted({r.host for r in rows})
    if len(hosts) > 1:
        print("warning: rows from different machines:")
        for host in hosts:
            print(f"  {host}")
        print()
    print_table(rows)
    print_ratios(rows)


# ---------------------------------------------------------------------------
# Command line


def int_list(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError as e:
        raise argparse.ArgumentTypeError(
            f"expected integers separated by commas: {text!r}"
        ) from e
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"expected positive integers: {text!r}")
    return values


def tool_list(text: str) -> list[str]:
    names = [v.strip() for v in text.split(",") if v.strip()]
    unknown = [n for n in names if n not in TOOLS]
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"tools are {', '.join(TOOLS)}; got {text!r}")
    return names


def default_data() -> Path:
    env = os.environ.get("MNIST_DIR")
    return Path(env) if env else REPO / "data" / "mnist"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Time 784-800-10 Adam training on MNIST in mlp_sweep, scikit-learn and PyTorch.",
    )
    p.add_argument(
        "--tools",
        type=tool_list,
        default=list(TOOLS),
        help="comma-separated: mlp,sklearn,torch",
    )
    p.add_argument("--epochs", type=int, default=5, help="epochs per fit (default 5)")
    p.add_argument(
        "--batches",
        type=int_list,
        default=[64, 200],
        help="batch sizes (default 64,200)",
    )
    p.add_argument(
        "--threads", type=int_list, default=[1, 2], help="thread counts (default 1,2)"
    )
    p.add_argument(
        "--train-samples",
        type=int,
        default=None,
        help="first N training images (default all)",
    )
    p.add_argument(
        "--data",
        type=Path,
        default=None,
        help="MNIST IDX folder (default $MNIST_DIR or data/mnist)",
    )
    p.add_argument(
        "--alpha",
        type=float,
        default=ALPHA,
        help=f"L2 penalty, scikit-learn's scale (default {ALPHA})",
    )
    p.add_argument(
        "--seed", type=int, default=0, help="seed for initialisation and shuffling"
    )
    p.add_argument(
        "--json",
        default=None,
        metavar="OUT",
        help="write the rows to OUT as JSON lines",
    )
    p.add_argument(
        "--merge",
        nargs="+",
        default=None,
        metavar="FILE",
        help="print the table of earlier --json files instead of running",
    )
    args = p.parse_args(argv)
    if args.epochs < 1:
        p.error("--epochs must be at least 1")
    if args.alpha < 0:
        p.error("--alpha must be >= 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.merge:
        rows = read_rows(args.merge)
        print(f"merged {len(rows)} rows from {', '.join(args.merge)}")
        print()
        report(rows)
        return 0

    tools = [TOOLS[name] for name in args.tools]
    versions = {t.name: tool_version(t) for t in tools}
    folder = args.data if args.data is not None else default_data()
    if not folder.is_dir():
        print(
            f"no MNIST folder at {folder}: pass --data or run `cargo xtask download`",
            file=sys.stderr,
        )
        return 2
    data, loader = load_mnist(folder, args.train_samples)
    cpus = os.cpu_count() or 1
    if max(args.threads) > cpus:
        print(f"warning: {max(args.threads)} threads on {cpus} CPUs", file=sys.stderr)
    print_header(versions, loader, data)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as sink:
            rows = run_all(tools, versions, data, args, sink)
    else:
        rows = run_all(tools, versions, data, args, None)
    report(rows)
    if args.json:
        print(f"\nrows written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
