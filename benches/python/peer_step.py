"""The same online SGD step as `mlp bench`, in numpy and in JAX, for a side-by-side figure.

Run single-threaded, in the same session as `mlp bench`:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
    XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \
    python3 benches/python/peer_step.py --data data/mnist --hidden 300 --case relu-sigmoid

Prints one JSON object per implementation with steps_per_second. The step is
the study's: h = f1(W1 x), o = f2(W2 h), exact deltas, W2 += eta d_o h^T,
W1 += eta d_h x^T, f32 throughout, samples in file order.
"""

import argparse
import json
import os
import time

import numpy as np


def load_images(path, count):
    with open(path, "rb") as f:
        data = np.frombuffer(f.read(), dtype=np.uint8)
    return (data[16 : 16 + count * 784].reshape(count, 784).astype(np.float32) / 255.0)


def load_labels(path, count):
    with open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8)[8 : 8 + count].copy()


def targets(case, labels):
    lo = -1.0 if case == "tanh" else 0.0
    d = np.full((len(labels), 10), lo, dtype=np.float32)
    d[np.arange(len(labels)), labels] = 1.0
    return d


def numpy_after_first_layer(case, z, w2, di):
    """A numpy step from the first layer's product z: hidden values, output and hidden deltas."""
    h = np.tanh(z) if case == "tanh" else np.maximum(z, 0.0)
    a = w2 @ h
    o = np.tanh(a) if case == "tanh" else 1.0 / (1.0 + np.exp(-a))
    e = di - o
    do = e * ((1.0 - o * o) if case == "tanh" else o * (1.0 - o))
    dh = (w2.T @ do) * ((1.0 - h * h) if case == "tanh" else (z > 0))
    return h, do, dh


def numpy_dense(case, x, d, w1, w2, eta, steps):
    """A clean numpy step, as a student would write it (dense matrix-vector products)."""
    n = len(x)
    for t in range(steps):
        xi, di = x[t % n], d[t % n]
        h, do, dh = numpy_after_first_layer(case, w1 @ xi, w2, di)
        w2 += eta * np.outer(do, h)
        w1 += eta * np.outer(dh, xi)


def numpy_sparse(case, x, d, w1t, w2, eta, steps):
    """numpy with the sparse-input trick: only the non-zero pixels' rows of input-major W1."""
    n = len(x)
    nz = [np.nonzero(r)[0] for r in x[: min(n, steps)]]
    for t in range(steps):
        i = t % n
        idx = nz[i]
        v = x[i, idx]
        h, do, dh = numpy_after_first_layer(case, v @ w1t[idx], w2, d[i])
        w2 += eta * np.outer(do, h)
        w1t[idx] += eta * np.outer(v, dh)


def jax_scan(case, x, d, w1, w2, eta, steps):
    """The strongest peer we know: the step jitted by XLA inside lax.scan."""
    import jax
    import jax.numpy as jnp

    def step(carry, sample):
        w1, w2 = carry
        xi, di = sample
        z = w1 @ xi
        h = jnp.tanh(z) if case == "tanh" else jnp.maximum(z, 0.0)
        a = w2 @ h
        o = jnp.tanh(a) if case == "tanh" else jax.nn.sigmoid(a)
        e = di - o
        do = e * ((1.0 - o * o) if case == "tanh" else o * (1.0 - o))
        dh = (w2.T @ do) * ((1.0 - h * h) if case == "tanh" else (z > 0))
        w2 = w2 + eta * jnp.outer(do, h)
        w1 = w1 + eta * jnp.outer(dh, xi)
        return (w1, w2), 0.5 * jnp.sum(e * e)

    run = jax.jit(lambda w1, w2, xs, ds: jax.lax.scan(step, (w1, w2), (xs, ds)))
    xs, ds = jnp.asarray(x[:steps]), jnp.asarray(d[:steps])
    w1, w2 = jnp.asarray(w1), jnp.asarray(w2)
    out = run(w1, w2, xs[:10], ds[:10])  # compile for the small shape is separate; warm the big one
    (w1b, w2b), losses = run(w1, w2, xs, ds)
    losses.block_until_ready()
    t = time.perf_counter()
    (w1b, w2b), losses = run(w1, w2, xs, ds)
    losses.block_until_ready()
    del out
    return time.perf_counter() - t


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="data/mnist")
    p.add_argument("--hidden", type=int, default=300)
    p.add_argument("--case", default="relu-sigmoid", choices=["tanh", "relu-sigmoid"])
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--impl", default="numpy,numpy-sparse,jax")
    a = p.parse_args()
    count = max(a.steps, 1000)
    x = load_images(os.path.join(a.data, "train-images-idx3-ubyte"), count)
    d = targets(a.case, load_labels(os.path.join(a.data, "train-labels-idx1-ubyte"), count))
    rng = np.random.default_rng(1)
    w1 = rng.uniform(-0.01, 0.01, (a.hidden, 784)).astype(np.float32)
    w2 = rng.uniform(-0.01, 0.01, (10, a.hidden)).astype(np.float32)
    eta = np.float32(0.01)
    for impl in a.impl.split(","):
        if impl == "numpy":
            t = time.perf_counter()
            numpy_dense(a.case, x, d, w1.copy(), w2.copy(), eta, a.steps)
            secs = time.perf_counter() - t
        elif impl == "numpy-sparse":
            t = time.perf_counter()
            numpy_sparse(a.case, x, d, np.ascontiguousarray(w1.T), w2.copy(), eta, a.steps)
            secs = time.perf_counter() - t
        elif impl == "jax":
            secs = jax_scan(a.case, x, d, w1.copy(), w2.copy(), eta, a.steps)
        else:
            raise SystemExit(f"unknown --impl {impl}")
        print(json.dumps({"impl": impl, "case": a.case, "hidden": a.hidden,
                          "steps": a.steps, "steps_per_second": a.steps / secs}))


if __name__ == "__main__":
    main()
