"""The minibatch step of `mlp bench --recipe simard-plain`, in PyTorch and in jitted JAX.

784-800-10, ReLU, biases, softmax cross-entropy, Nesterov momentum 0.9 with
L2 1e-4 (as simard-plain), f32, one thread, batches drawn from the first 10,000
training images reshuffled each pass. Run it in the same session as the bench:

    cargo run --release -p mlp-cli -- bench --recipe simard-plain --batch 64 --threads 1
    /tmp/torchenv/bin/python benches/python/peer_minibatch.py --data data/mnist --batch 64

It runs whichever of PyTorch and JAX is installed, says which it skipped, and
prints one JSON object per implementation and batch size with samples_per_second
(the median of --rounds timed rounds of --seconds each). The process is pinned
to one CPU and each library asked for one thread, so the figure is one core's.
"""

import argparse
import json
import os
import statistics
import sys
import time

# One thread for XLA and the BLAS libraries: set before they are imported.
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402

SAMPLES = 10_000
HIDDEN = 800
LR, MOMENTUM, L2 = 0.1, 0.9, 1e-4
# Batches per jitted call of the JAX peer.
SCAN = 16


def load(data, count):
    with open(os.path.join(data, "train-images-idx3-ubyte"), "rb") as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8)
    x = raw[16 : 16 + count * 784].reshape(count, 784).astype(np.float32) / 255.0
    with open(os.path.join(data, "train-labels-idx1-ubyte"), "rb") as f:
        y = np.frombuffer(f.read(), dtype=np.uint8)[8 : 8 + count].astype(np.int64)
    return x, y


def batches(n, batch, rng):
    """Batch index arrays forever: a fresh permutation each pass, as the bench does."""
    while True:
        order = rng.permutation(n)
        for s in range(0, n - batch + 1, batch):
            yield order[s : s + batch]


def timed_rounds(step, batch, seconds, rounds):
    """Samples per second of `step()` (`batch` samples each) in `rounds` rounds after a warm-up."""
    t = time.perf_counter()
    while time.perf_counter() - t < 0.5:
        step()
    rates = []
    for _ in range(rounds):
        done, t = 0, time.perf_counter()
        while time.perf_counter() - t < seconds:
            for _ in range(8):
                step()
            done += 8 * batch
        rates.append(done / (time.perf_counter() - t))
    return rates


def torch_peer(x, y, batch, seconds, rounds):
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(784, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, 10))
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM, nesterov=True, weight_decay=L2)
    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    it = batches(len(x), batch, np.random.default_rng(1))

    def step():
        idx = torch.from_numpy(next(it))
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xt[idx]), yt[idx])
        loss.backward()
        opt.step()

    return timed_rounds(step, batch, seconds, rounds), f"torch {torch.__version__}"


def jax_peer(x, y, batch, seconds, rounds):
    import jax
    import jax.numpy as jnp

    k1, k2 = jax.random.split(jax.random.PRNGKey(1))
    params = {
        "w1": jax.random.normal(k1, (784, HIDDEN), jnp.float32) * jnp.sqrt(2.0 / 784),
        "b1": jnp.zeros(HIDDEN, jnp.float32),
        "w2": jax.random.normal(k2, (HIDDEN, 10), jnp.float32) * jnp.sqrt(2.0 / HIDDEN),
        "b2": jnp.zeros(10, jnp.float32),
    }
    moms = jax.tree_util.tree_map(jnp.zeros_like, params)

    def loss(p, xb, yb):
        h = jax.nn.relu(xb @ p["w1"] + p["b1"])
        logits = h @ p["w2"] + p["b2"]
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), yb[:, None], axis=1))

    def step_fn(carry, idx):
        p, m = carry
        g = jax.grad(loss)(p, xj[idx], yj[idx])
        # PyTorch's SGD: L2 on every parameter, Nesterov momentum.
        g = jax.tree_util.tree_map(lambda gi, pi: gi + L2 * pi, g, p)
        m = jax.tree_util.tree_map(lambda mi, gi: MOMENTUM * mi + gi, m, g)
        u = jax.tree_util.tree_map(lambda gi, mi: gi + MOMENTUM * mi, g, m)
        p = jax.tree_util.tree_map(lambda pi, ui: pi - LR * ui, p, u)
        return (p, m), None

    # The strongest form we know: SCAN batches per call inside one jitted
    # lax.scan (gathering each batch on the device), so Python dispatch is
    # paid once per SCAN batches.
    run = jax.jit(lambda p, m, idxs: jax.lax.scan(step_fn, (p, m), idxs)[0])
    xj, yj = jnp.asarray(x), jnp.asarray(y)
    it = batches(len(x), batch, np.random.default_rng(1))
    state = [params, moms]

    def step():
        idxs = jnp.asarray(np.stack([next(it) for _ in range(SCAN)]))
        state[0], state[1] = run(state[0], state[1], idxs)
        jax.block_until_ready(state[0]["w1"])

    rates = timed_rounds(step, batch * SCAN, seconds, rounds)
    return rates, f"jax {jax.__version__}"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="data/mnist")
    p.add_argument("--batch", default="64", help="batch sizes, comma-separated")
    p.add_argument("--seconds", type=float, default=2.0)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--impl", default="torch,jax")
    a = p.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    x, y = load(a.data, SAMPLES)
    peers = {"torch": torch_peer, "jax": jax_peer}
    for impl in a.impl.split(","):
        if impl not in peers:
            sys.exit(f"unknown --impl {impl!r} (expected torch or jax)")
        for batch in (int(b) for b in a.batch.split(",")):
            try:
                rates, version = peers[impl](x, y, batch, a.seconds, a.rounds)
            except ImportError as e:
                print(f"skipped {impl}: not installed ({e})", file=sys.stderr)
                break
            print(json.dumps({
                "impl": impl,
                "version": version,
                "layers": [784, HIDDEN, 10],
                "batch": batch,
                "threads": 1,
                "samples_per_second": round(statistics.median(rates)),
                "min": round(min(rates)),
                "max": round(max(rates)),
            }), flush=True)


if __name__ == "__main__":
    main()
