//! Instruction-set abstraction: one zero-sized type per path implements [`Simd`].
//!
//! Kernel bodies are written once, generic over `S: Simd`, and marked
//! `#[inline(always)]`; thin `#[target_feature]` entry points (see
//! [`crate::dispatch`]) instantiate them per path so that every intrinsic is
//! inlined into code compiled for the right instruction set.

pub(crate) mod portable;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;

/// Vector operations of one instruction set, on `LANES` packed `f32`.
///
/// # Safety
///
/// Every method is `unsafe`: the caller must only use a type whose instruction
/// set the running CPU supports (guaranteed by dispatch), and pointer methods
/// need `LANES` (or `n`) valid, readable/writable `f32` at the pointer
/// (no alignment requirement).
pub(crate) trait Simd: Copy {
    /// The register type.
    type V: Copy;
    /// Number of `f32` lanes in [`Simd::V`].
    const LANES: usize;
    /// Full vectors per column block in `gemv_t`-style kernels (4 or 8): enough
    /// independent accumulators to hide FMA latency without spilling.
    const GEMV_BLOCK: usize;
    /// Full vectors per column block in the fused update+accumulate kernel (4 or 8).
    const FUSED_BLOCK: usize;

    /// All lanes `0.0`.
    unsafe fn zero() -> Self::V;
    /// All lanes `x`.
    unsafe fn splat(x: f32) -> Self::V;
    /// Loads `LANES` floats from `p` (unaligned).
    unsafe fn load(p: *const f32) -> Self::V;
    /// Stores `LANES` floats to `p` (unaligned).
    unsafe fn store(p: *mut f32, v: Self::V);
    /// Loads `n < LANES` floats from `p`; the other lanes are `0.0`. Touches only `p[..n]`.
    unsafe fn load_part(p: *const f32, n: usize) -> Self::V;
    /// Stores the first `n < LANES` lanes of `v` to `p`. Touches only `p[..n]`.
    unsafe fn store_part(p: *mut f32, n: usize, v: Self::V);
    /// `a + b`.
    unsafe fn add(a: Self::V, b: Self::V) -> Self::V;
    /// `a - b`.
    unsafe fn sub(a: Self::V, b: Self::V) -> Self::V;
    /// `a * b`.
    unsafe fn mul(a: Self::V, b: Self::V) -> Self::V;
    /// `a / b`.
    unsafe fn div(a: Self::V, b: Self::V) -> Self::V;
    /// `a * b + c`: fused (one rounding) on FMA paths, `mul` then `add` on the
    /// portable path. Each path always uses the same form, which is what makes
    /// fused and unfused sparse kernels bit-identical.
    unsafe fn fma(a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// Lane-wise `if a > b { a } else { b }` (so `b` wins when either is NaN).
    unsafe fn max(a: Self::V, b: Self::V) -> Self::V;
    /// Lane-wise `if a < b { t } else { f }` (so `f` wins when either is NaN).
    unsafe fn select_lt(a: Self::V, b: Self::V, t: Self::V, f: Self::V) -> Self::V;
    /// Lane-wise absolute value (clears the sign bit).
    unsafe fn abs(a: Self::V) -> Self::V;
    /// `2^n` from `t = n + 1.5 * 2^23` for integral `n` in `-126..=127`
    /// (bit manipulation: `(bits(t) << 23) + bits(1.0)`).
    unsafe fn pow2_magic(t: Self::V) -> Self::V;
    /// Sum of all lanes.
    unsafe fn hsum(a: Self::V) -> f32;
    /// Hints that the cache line holding `p` will be read soon (no-op where unsupported).
    unsafe fn prefetch(p: *const f32);
}
