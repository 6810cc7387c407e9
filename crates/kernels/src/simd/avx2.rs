//! AVX2 + FMA path: 8 lanes in `__m256`, fused multiply-add, masked tails.
//!
//! Every register operation below calls one intrinsic that touches only
//! registers; an [`Avx2`] token exists only where the CPU has AVX2 and FMA,
//! which is all those intrinsics need.

use super::Simd;
use core::arch::x86_64::*;

/// AVX2+FMA kernel type; a value proves the CPU has both.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2(());

impl Avx2 {
    /// The token, when this CPU has AVX2 and FMA.
    pub(crate) fn detect() -> Option<Avx2> {
        let ok = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
        ok.then_some(Avx2(()))
    }

    /// The token without checking.
    ///
    /// # Safety
    /// The CPU must have AVX2 and FMA.
    #[inline(always)]
    pub(crate) unsafe fn new_unchecked() -> Avx2 {
        Avx2(())
    }
}

/// `MASKS[8 - n..][..8]` has `n` leading all-ones lanes, then zeros.
static MASKS: [i32; 16] = [-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0];

/// A lane mask of `n` leading ones.
///
/// # Safety
/// `n <= 8`, and the CPU has AVX.
#[inline(always)]
unsafe fn mask(n: usize) -> __m256i {
    debug_assert!(n <= 8);
    // SAFETY: with `n <= 8` the 8 ints at `8 - n` lie inside MASKS's 16.
    unsafe { _mm256_loadu_si256(MASKS.as_ptr().add(8 - n).cast()) }
}

impl Simd for Avx2 {
    type V = __m256;
    const GEMV_BLOCK: usize = 8;
    const FUSED_BLOCK: usize = 8;
    const LANES: usize = 8;

    #[inline(always)]
    fn zero(self) -> __m256 {
        // SAFETY: registers only; the token proves AVX.
        unsafe { _mm256_setzero_ps() }
    }
    #[inline(always)]
    fn splat(self, x: f32) -> __m256 {
        // SAFETY: registers only; the token proves AVX.
        unsafe { _mm256_set1_ps(x) }
    }
    #[inline(always)]
    unsafe fn load(self, p: *const f32) -> __m256 {
        // SAFETY: the caller makes `p[..8]` readable; the token proves AVX.
        unsafe { _mm256_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32, v: __m256) {
        // SAFETY: the caller makes `p[..8]` writable; the token proves AVX.
        unsafe { _mm256_storeu_ps(p, v) }
    }
    #[inline(always)]
    unsafe fn load_part(self, p: *const f32, n: usize) -> __m256 {
        // SAFETY: `n < 8` by the caller's contract; vmaskmovps reads only the
        // `n` unmasked lanes, which the caller makes readable, and never
        // faults on the others.
        unsafe { _mm256_maskload_ps(p, mask(n)) }
    }
    #[inline(always)]
    unsafe fn store_part(self, p: *mut f32, n: usize, v: __m256) {
        // Plain 16/8/4-byte stores: vmaskmovps stores are microcoded on AMD
        // (~10x slower); `n` is fixed per call, so the branches predict well.
        let (mut p, mut n) = (p, n);
        // SAFETY: registers only; the token proves AVX.
        let mut part = unsafe { _mm256_castps256_ps128(v) };
        if n >= 4 {
            // SAFETY: `n >= 4` floats at `p` are writable (the caller's contract).
            unsafe { _mm_storeu_ps(p, part) };
            // SAFETY: registers only.
            part = unsafe { _mm256_extractf128_ps::<1>(v) };
            p = p.wrapping_add(4);
            n -= 4;
        }
        if n >= 2 {
            // SAFETY: 2 of the remaining `n >= 2` writable floats.
            unsafe { _mm_storel_epi64(p.cast(), _mm_castps_si128(part)) };
            // SAFETY: registers only.
            part = unsafe { _mm_movehl_ps(part, part) };
            p = p.wrapping_add(2);
            n -= 2;
        }
        if n == 1 {
            // SAFETY: the last writable float.
            unsafe { _mm_store_ss(p, part) };
        }
    }
    #[inline(always)]
    fn add(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: registers only; the token proves AVX.
        unsafe { _mm256_add_ps(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: registers only; the token proves AVX.
        unsafe { _mm256_sub_ps(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: registers only; the token proves AVX.
        unsafe { _mm256_mul_ps(a, b) }
    }
    #[inline(always)]
    fn div(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: registers only; the token proves AVX.
        unsafe { _mm256_div_ps(a, b) }
    }
    #[inline(always)]
    fn sqrt(self, a: __m256) -> __m256 {
        // SAFETY: registers only; the token proves AVX.
        unsafe { _mm256_sqrt_ps(a) }
    }
    #[inline(always)]
    fn fma(self, a: __m256, b: __m256, c: __m256) -> __m256 {
        // SAFETY: registers only; the token proves FMA.
        unsafe { _mm256_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    fn max(self, a: __m256, b: __m256) -> __m256 {
        // vmaxps returns the second operand when either is NaN.
        // SAFETY: registers only; the token proves AVX.
        unsafe { _mm256_max_ps(a, b) }
    }
    #[inline(always)]
    fn select_lt(self, a: __m256, b: __m256, t: __m256, f: __m256) -> __m256 {
        // SAFETY: registers only; the token proves AVX.
        unsafe { _mm256_blendv_ps(f, t, _mm256_cmp_ps::<_CMP_LT_OQ>(a, b)) }
    }
    #[inline(always)]
    fn abs(self, a: __m256) -> __m256 {
        // SAFETY: registers only; the token proves AVX.
        unsafe { _mm256_andnot_ps(_mm256_set1_ps(-0.0), a) }
    }
    #[inline(always)]
    fn pow2_magic(self, t: __m256) -> __m256 {
        // SAFETY: registers only; the token proves AVX2 (integer shifts and adds).
        unsafe {
            let bits = _mm256_slli_epi32::<23>(_mm256_castps_si256(t));
            _mm256_castsi256_ps(_mm256_add_epi32(bits, _mm256_set1_epi32(0x3f80_0000)))
        }
    }
    #[inline(always)]
    fn hsum(self, a: __m256) -> f32 {
        // SAFETY: registers only; the token proves AVX (the 256-bit extract).
        unsafe {
            let s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps::<1>(a));
            super::x86::hsum128(s)
        }
    }
    #[inline(always)]
    fn prefetch(self, p: *const f32) {
        super::x86::prefetch_t0(p)
    }
}
