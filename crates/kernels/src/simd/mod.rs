//! Instruction-set abstraction: one zero-sized type per path implements [`Simd`].
//!
//! Kernel bodies are written once, generic over `S: Simd`, and marked
//! `#[inline(always)]`; thin `#[target_feature]` entry points (see
//! [`crate::dispatch`]) instantiate them per path so that every intrinsic is
//! inlined into code compiled for the right instruction set.
//!
//! A value of a kernel type is a token: it exists only where the running CPU
//! has that instruction set (each type has a private field, and its only
//! constructors are a detecting `detect` and an `unsafe` `new_unchecked`).
//! Holding one is what makes the register operations safe to call; the
//! memory operations stay `unsafe` because they take raw pointers.

pub(crate) mod portable;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;
#[cfg(target_arch = "x86_64")]
mod x86;

/// Vector operations of one instruction set, on `LANES` packed `f32`.
///
/// Register operations are safe: `self` proves the instruction set is
/// present. Memory operations need `LANES` (or `n`) valid, readable or
/// writable `f32` at the pointer (no alignment requirement).
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
    fn zero(self) -> Self::V;
    /// All lanes `x`.
    fn splat(self, x: f32) -> Self::V;
    /// Loads `LANES` floats from `p` (unaligned).
    ///
    /// # Safety
    /// `p[..LANES]` must be readable.
    unsafe fn load(self, p: *const f32) -> Self::V;
    /// Stores `LANES` floats to `p` (unaligned).
    ///
    /// # Safety
    /// `p[..LANES]` must be writable.
    unsafe fn store(self, p: *mut f32, v: Self::V);
    /// Loads `n < LANES` floats from `p`; the other lanes are `0.0`. Touches only `p[..n]`.
    ///
    /// # Safety
    /// `p[..n]` must be readable and `n < LANES`.
    unsafe fn load_part(self, p: *const f32, n: usize) -> Self::V;
    /// Stores the first `n < LANES` lanes of `v` to `p`. Touches only `p[..n]`.
    ///
    /// # Safety
    /// `p[..n]` must be writable and `n < LANES`.
    unsafe fn store_part(self, p: *mut f32, n: usize, v: Self::V);
    /// `a + b`.
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a - b`.
    fn sub(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a * b`.
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a / b`.
    fn div(self, a: Self::V, b: Self::V) -> Self::V;
    /// Lane-wise square root (correctly rounded, as IEEE 754 requires).
    fn sqrt(self, a: Self::V) -> Self::V;
    /// `a * b + c`: fused (one rounding) on FMA paths, `mul` then `add` on the
    /// portable path. Each path always uses the same form, which is what makes
    /// fused and unfused sparse kernels bit-identical.
    fn fma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// Lane-wise `if a > b { a } else { b }` (so `b` wins when either is NaN).
    fn max(self, a: Self::V, b: Self::V) -> Self::V;
    /// Lane-wise `if a < b { t } else { f }` (so `f` wins when either is NaN).
    fn select_lt(self, a: Self::V, b: Self::V, t: Self::V, f: Self::V) -> Self::V;
    /// Lane-wise absolute value (clears the sign bit).
    fn abs(self, a: Self::V) -> Self::V;
    /// `2^n` from `t = n + 1.5 * 2^23` for integral `n` in `-126..=127`
    /// (bit manipulation: `(bits(t) << 23) + bits(1.0)`).
    fn pow2_magic(self, t: Self::V) -> Self::V;
    /// Sum of all lanes.
    fn hsum(self, a: Self::V) -> f32;
    /// Hints that the cache line holding `p` will be read soon (no-op where
    /// unsupported). Any address is fine: a prefetch never faults and reads
    /// nothing the program can see, so compute `p` with `wrapping_add`.
    fn prefetch(self, p: *const f32);
}
