//! Scalar reference implementations: the specification of every kernel.
//!
//! Plain loops in `f32`, one operation at a time, sums in index order starting
//! from `0.0`, multiply-then-add (never fused). The SIMD paths compute the same
//! values, except that FMA paths round `a * b + c` once and `dot`/`gemv` sum in
//! a different order; with small-integer inputs every path matches exactly.
//! Lengths follow the public kernels (mismatches panic via slice indexing or asserts).

#![allow(clippy::needless_range_loop)]

/// Reference `dot`: `sum_i a[i] * b[i]`.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    let mut s = 0.0;
    for i in 0..a.len() {
        s += a[i] * b[i];
    }
    s
}

/// Reference `convolve_columns`: `out[y][x] = sum_k taps[k] * src[y + k - r][x]`,
/// `r = taps.len() / 2`, rows outside the matrix zero.
pub fn convolve_columns(taps: &[f32], src: &[f32], cols: usize, out: &mut [f32]) {
    let rows = src.len() / cols;
    let r = taps.len() as isize / 2;
    for y in 0..rows {
        for x in 0..cols {
            let mut s = 0.0;
            for (k, &w) in taps.iter().enumerate() {
                let yy = y as isize + k as isize - r;
                if (0..rows as isize).contains(&yy) {
                    s += w * src[yy as usize * cols + x];
                }
            }
            out[y * cols + x] = s;
        }
    }
}

/// Reference `axpy`: `y[i] += alpha * x[i]`.
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len());
    for i in 0..x.len() {
        y[i] += alpha * x[i];
    }
}

/// Reference `scale`: `x[i] *= alpha`.
pub fn scale(alpha: f32, x: &mut [f32]) {
    for v in x.iter_mut() {
        *v *= alpha;
    }
}

/// Reference `gemv`: `y[r] = sum_c A[r, c] * x[c]`, `A` is `y.len() x cols`.
pub fn gemv(a: &[f32], cols: usize, x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), cols);
    assert_eq!(a.len(), y.len() * cols);
    for r in 0..y.len() {
        y[r] = dot(&a[r * cols..(r + 1) * cols], x);
    }
}

/// Reference `gemv_t`: `y[c] = sum_r x[r] * A[r, c]` (sum over `r` in order), `A` is `x.len() x cols`.
pub fn gemv_t(a: &[f32], cols: usize, x: &[f32], y: &mut [f32]) {
    assert_eq!(y.len(), cols);
    assert_eq!(a.len(), x.len() * cols);
    y.fill(0.0);
    for r in 0..x.len() {
        for c in 0..cols {
            y[c] += x[r] * a[r * cols + c];
        }
    }
}

/// Reference `ger`: `A[r, c] += (alpha * x[r]) * y[c]`.
pub fn ger(alpha: f32, x: &[f32], y: &[f32], a: &mut [f32]) {
    let cols = y.len();
    assert_eq!(a.len(), x.len() * cols);
    for r in 0..x.len() {
        let s = alpha * x[r];
        for c in 0..cols {
            a[r * cols + c] += s * y[c];
        }
    }
}

/// Reference `sparse_gemv_t`: `y[c] = sum_k vals[k] * A[idx[k], c]` (sum over `k` in order).
pub fn sparse_gemv_t(a: &[f32], cols: usize, idx: &[u32], vals: &[f32], y: &mut [f32]) {
    assert_eq!(y.len(), cols);
    assert_eq!(idx.len(), vals.len());
    y.fill(0.0);
    for (&r, &v) in idx.iter().zip(vals) {
        let row = &a[r as usize * cols..(r as usize + 1) * cols];
        for c in 0..cols {
            y[c] += v * row[c];
        }
    }
}

/// Reference `sparse_gemm`: row `r` of `z` is `sparse_gemv_t` of vector `ids[r]` of `set`.
pub fn sparse_gemm(set: &crate::SparseSet, ids: &[u32], a: &[f32], cols: usize, z: &mut [f32]) {
    assert_eq!(z.len(), ids.len() * cols);
    for (row, &i) in z.chunks_exact_mut(cols.max(1)).zip(ids) {
        let (idx, vals) = set.get(i as usize);
        sparse_gemv_t(a, cols, idx, vals, row);
    }
}

/// Reference `update_params`: the step of [`crate::ParamUpdate`] one parameter at a time.
pub fn update_params(u: &crate::ParamUpdate, w: &mut [f32], g: &[f32], state: &mut [f32]) {
    use crate::Moment;
    let n = w.len();
    assert_eq!(g.len(), n);
    assert_eq!(state.len(), u.moment.slots() * n);
    for i in 0..n {
        let mut x = g[i];
        if u.l2 != 0.0 {
            x += u.l2 * w[i];
        }
        match u.moment {
            Moment::None => {}
            Moment::Trace { mu, nesterov } => {
                state[i] = crate::flush_subnormal(mu * state[i] + x);
                x = if nesterov {
                    x + mu * state[i]
                } else {
                    state[i]
                };
            }
            Moment::Adam {
                b1,
                b2,
                eps,
                c1,
                c2,
            } => {
                x = crate::gate_below(x, crate::adam_gate(b1, b2));
                state[i] = crate::flush_subnormal(b1 * state[i] + (1.0 - b1) * x);
                state[n + i] = crate::flush_subnormal(b2 * state[n + i] + (1.0 - b2) * x * x);
                x = (state[i] * c1) / ((state[n + i] * c2).sqrt() + eps);
            }
        }
        if u.decay != 0.0 {
            x += u.decay * w[i];
        }
        w[i] = crate::flush_subnormal(w[i] + x * -u.lr);
    }
}

/// Reference `add_scaled_rows`: `y[c] += vals[k] * A[idx[k], c]` for each `k` in order.
pub fn add_scaled_rows(a: &[f32], stride: usize, idx: &[u32], vals: &[f32], y: &mut [f32]) {
    assert_eq!(idx.len(), vals.len());
    assert!(y.len() <= stride);
    for (&r, &v) in idx.iter().zip(vals) {
        let row = &a[r as usize * stride..][..y.len()];
        for (yc, &ac) in y.iter_mut().zip(row) {
            *yc += v * ac;
        }
    }
}

/// Reference `sparse_ger`: `A[idx[k], c] += (alpha * vals[k]) * delta[c]`.
pub fn sparse_ger(alpha: f32, idx: &[u32], vals: &[f32], delta: &[f32], a: &mut [f32]) {
    assert_eq!(idx.len(), vals.len());
    let cols = delta.len();
    for (&r, &v) in idx.iter().zip(vals) {
        let s = alpha * v;
        let row = &mut a[r as usize * cols..(r as usize + 1) * cols];
        for c in 0..cols {
            row[c] += s * delta[c];
        }
    }
}

/// Reference `sparse_ger_then_gemv_t`: literally `sparse_ger` followed by `sparse_gemv_t`.
#[allow(clippy::too_many_arguments)]
pub fn sparse_ger_then_gemv_t(
    alpha: f32,
    upd_idx: &[u32],
    upd_vals: &[f32],
    delta: &[f32],
    acc_idx: &[u32],
    acc_vals: &[f32],
    a: &mut [f32],
    y: &mut [f32],
) {
    sparse_ger(alpha, upd_idx, upd_vals, delta, a);
    sparse_gemv_t(a, delta.len(), acc_idx, acc_vals, y);
}

/// Reference `block_pass`: `sparse_ger` for each update slot in order, then
/// `sparse_gemv_t` for each read slot (`deltas` and `z` hold `cols` floats per slot).
pub fn block_pass(
    updates: &[crate::Sparse<'_>],
    alphas: &[f32],
    deltas: &[f32],
    reads: &[crate::Sparse<'_>],
    cols: usize,
    a: &mut [f32],
    z: &mut [f32],
) {
    assert_eq!(updates.len(), alphas.len());
    for (p, (&(idx, vals), &alpha)) in updates.iter().zip(alphas).enumerate() {
        sparse_ger(alpha, idx, vals, &deltas[p * cols..(p + 1) * cols], a);
    }
    for (t, &(idx, vals)) in reads.iter().enumerate() {
        sparse_gemv_t(a, cols, idx, vals, &mut z[t * cols..(t + 1) * cols]);
    }
}

/// Reference `tanh`: `f32::tanh` per element.
pub fn tanh(x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len());
    for (o, &v) in y.iter_mut().zip(x) {
        *o = v.tanh();
    }
}

/// Reference `sigmoid`: `1 / (1 + exp(-x))` per element.
pub fn sigmoid(x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len());
    for (o, &v) in y.iter_mut().zip(x) {
        *o = 1.0 / (1.0 + (-v).exp());
    }
}

/// Reference `relu`: `if x > 0 { x } else { 0 }` per element (NaN gives 0).
pub fn relu(x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len());
    for (o, &v) in y.iter_mut().zip(x) {
        *o = if v > 0.0 { v } else { 0.0 };
    }
}

/// Reference `mul_tanh_deriv`: `g[i] *= factor * (1 - y[i] * y[i])`.
pub fn mul_tanh_deriv(y: &[f32], factor: f32, g: &mut [f32]) {
    assert_eq!(y.len(), g.len());
    for (g, &y) in g.iter_mut().zip(y) {
        *g *= factor * (1.0 - y * y);
    }
}

/// Reference `mul_sigmoid_deriv`: `g[i] *= y[i] * (1 - y[i])`.
pub fn mul_sigmoid_deriv(y: &[f32], g: &mut [f32]) {
    assert_eq!(y.len(), g.len());
    for (g, &y) in g.iter_mut().zip(y) {
        *g *= y * (1.0 - y);
    }
}

/// Reference `mul_relu_deriv`: `g[i] = if z[i] > 0 { g[i] } else { 0 }`.
pub fn mul_relu_deriv(z: &[f32], g: &mut [f32]) {
    assert_eq!(z.len(), g.len());
    for (g, &z) in g.iter_mut().zip(z) {
        *g = if z > 0.0 { *g } else { 0.0 };
    }
}

/// Reference `gemm`: `C[i, j] = sum_k A[i, k] * B[k, j] + beta * C[i, j]`, in f64, rounded once.
pub fn gemm(a: crate::MatRef<'_>, b: crate::MatRef<'_>, beta: f32, c: &mut [f32]) {
    assert_eq!(a.cols(), b.rows());
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    assert_eq!(c.len(), m * n);
    for i in 0..m {
        for j in 0..n {
            let mut s = 0.0f64;
            for t in 0..k {
                s += a.at(i, t) as f64 * b.at(t, j) as f64;
            }
            let old = if beta == 0.0 {
                0.0
            } else {
                beta as f64 * c[i * n + j] as f64
            };
            c[i * n + j] = (s + old) as f32;
        }
    }
}

/// Reference `softmax_cross_entropy` in f64: the gradient `softmax(z) - onehot(label)` and the loss.
pub fn softmax_cross_entropy(z: &[f32], label: usize) -> (Vec<f64>, f64) {
    let max = z
        .iter()
        .map(|&v| v as f64)
        .fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = z.iter().map(|&v| (v as f64 - max).exp()).collect();
    let sum: f64 = e.iter().sum();
    let mut g: Vec<f64> = e.iter().map(|v| v / sum).collect();
    g[label] -= 1.0;
    (g, sum.ln() - (z[label] as f64 - max))
}
