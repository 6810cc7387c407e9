//! AVX-512F path: 16 lanes in `__m512`, fused multiply-add, mask-register tails.
//!
//! Detection picks this path on a CPU that has AVX-512F. The wrappers are kept thin on purpose: every kernel body
//! is the generic one the other paths run, and the `portable16` path runs it
//! in this path's shape (16 lanes, `GEMV_BLOCK` 8, `FUSED_BLOCK` 4) on any
//! CPU, so what only an AVX-512 CPU tests is the choice of intrinsic in each
//! method below.
//!
//! Every register operation calls intrinsics that touch only registers; an
//! [`Avx512`] token exists only where the CPU has AVX-512F.

use super::Simd;
use core::arch::x86_64::*;

/// AVX-512F kernel type; a value proves the CPU has it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx512(());

impl Avx512 {
    /// The token, when this CPU has AVX-512F.
    pub(crate) fn detect() -> Option<Avx512> {
        is_x86_feature_detected!("avx512f").then_some(Avx512(()))
    }

    /// The token without checking.
    ///
    /// # Safety
    /// The CPU must have AVX-512F.
    #[inline(always)]
    pub(crate) unsafe fn new_unchecked() -> Avx512 {
        Avx512(())
    }
}

/// A lane mask of `n < 16` leading ones.
#[inline(always)]
fn mask(n: usize) -> __mmask16 {
    debug_assert!(n < 16);
    ((1u32 << n) - 1) as __mmask16
}

impl Simd for Avx512 {
    type V = __m512;
    const GEMV_BLOCK: usize = 8;
    const FUSED_BLOCK: usize = 4;
    const LANES: usize = 16;

    #[inline(always)]
    fn zero(self) -> __m512 {
        // SAFETY: registers only; the token proves AVX-512F.
        unsafe { _mm512_setzero_ps() }
    }
    #[inline(always)]
    fn splat(self, x: f32) -> __m512 {
        // SAFETY: registers only; the token proves AVX-512F.
        unsafe { _mm512_set1_ps(x) }
    }
    #[inline(always)]
    unsafe fn load(self, p: *const f32) -> __m512 {
        // SAFETY: the caller makes `p[..16]` readable; the token proves AVX-512F.
        unsafe { _mm512_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32, v: __m512) {
        // SAFETY: the caller makes `p[..16]` writable; the token proves AVX-512F.
        unsafe { _mm512_storeu_ps(p, v) }
    }
    #[inline(always)]
    unsafe fn load_part(self, p: *const f32, n: usize) -> __m512 {
        // SAFETY: masked-off lanes are zeroed and never read or fault; the
        // caller makes the `n` unmasked ones readable.
        unsafe { _mm512_maskz_loadu_ps(mask(n), p) }
    }
    #[inline(always)]
    unsafe fn store_part(self, p: *mut f32, n: usize, v: __m512) {
        // SAFETY: only the `n` unmasked lanes are written, which the caller
        // makes writable.
        unsafe { _mm512_mask_storeu_ps(p, mask(n), v) }
    }
    #[inline(always)]
    fn add(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: registers only; the token proves AVX-512F.
        unsafe { _mm512_add_ps(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: registers only; the token proves AVX-512F.
        unsafe { _mm512_sub_ps(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: registers only; the token proves AVX-512F.
        unsafe { _mm512_mul_ps(a, b) }
    }
    #[inline(always)]
    fn div(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: registers only; the token proves AVX-512F.
        unsafe { _mm512_div_ps(a, b) }
    }
    #[inline(always)]
    fn sqrt(self, a: __m512) -> __m512 {
        // SAFETY: registers only; the token proves AVX-512F.
        unsafe { _mm512_sqrt_ps(a) }
    }
    #[inline(always)]
    fn fma(self, a: __m512, b: __m512, c: __m512) -> __m512 {
        // SAFETY: registers only; the token proves AVX-512F.
        unsafe { _mm512_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    fn max(self, a: __m512, b: __m512) -> __m512 {
        // vmaxps returns the second operand when either is NaN.
        // SAFETY: registers only; the token proves AVX-512F.
        unsafe { _mm512_max_ps(a, b) }
    }
    #[inline(always)]
    fn select_lt(self, a: __m512, b: __m512, t: __m512, f: __m512) -> __m512 {
        // SAFETY: registers only; the token proves AVX-512F.
        unsafe { _mm512_mask_blend_ps(_mm512_cmp_ps_mask::<_CMP_LT_OQ>(a, b), f, t) }
    }
    #[inline(always)]
    fn abs(self, a: __m512) -> __m512 {
        // SAFETY: registers only; the token proves AVX-512F.
        unsafe { _mm512_abs_ps(a) }
    }
    #[inline(always)]
    fn pow2_magic(self, t: __m512) -> __m512 {
        // SAFETY: registers only; the token proves AVX-512F.
        unsafe {
            let bits = _mm512_slli_epi32::<23>(_mm512_castps_si512(t));
            _mm512_castsi512_ps(_mm512_add_epi32(bits, _mm512_set1_epi32(0x3f80_0000)))
        }
    }
    #[inline(always)]
    fn hsum(self, a: __m512) -> f32 {
        // SAFETY: registers only; the token proves AVX-512F, and so the AVX
        // of the 256-bit add and extract.
        unsafe {
            let s = _mm256_add_ps(
                _mm512_castps512_ps256(a),
                _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(a))),
            );
            super::x86::hsum128(_mm_add_ps(
                _mm256_castps256_ps128(s),
                _mm256_extractf128_ps::<1>(s),
            ))
        }
    }
    #[inline(always)]
    fn prefetch(self, p: *const f32) {
        super::x86::prefetch_t0(p)
    }
}
