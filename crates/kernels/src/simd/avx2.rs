//! AVX2 + FMA path: 8 lanes in `__m256`, fused multiply-add, masked tails.

use super::Simd;
use core::arch::x86_64::*;

/// AVX2+FMA kernel type. Only used after `avx2` and `fma` were detected.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2;

/// `MASKS[8 - n..][..8]` has `n` leading all-ones lanes, then zeros.
static MASKS: [i32; 16] = [-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0];

#[inline(always)]
unsafe fn mask(n: usize) -> __m256i {
    debug_assert!(n <= 8);
    _mm256_loadu_si256(MASKS.as_ptr().add(8 - n).cast())
}

impl Simd for Avx2 {
    type V = __m256;
    const GEMV_BLOCK: usize = 8;
    const FUSED_BLOCK: usize = 8;
    const LANES: usize = 8;

    #[inline(always)]
    unsafe fn zero() -> __m256 {
        _mm256_setzero_ps()
    }
    #[inline(always)]
    unsafe fn splat(x: f32) -> __m256 {
        _mm256_set1_ps(x)
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m256 {
        _mm256_loadu_ps(p)
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m256) {
        _mm256_storeu_ps(p, v)
    }
    #[inline(always)]
    unsafe fn load_part(p: *const f32, n: usize) -> __m256 {
        // vmaskmovps suppresses faults on masked-off lanes.
        _mm256_maskload_ps(p, mask(n))
    }
    #[inline(always)]
    unsafe fn store_part(p: *mut f32, n: usize, v: __m256) {
        // Plain 16/8/4-byte stores: vmaskmovps stores are microcoded on AMD
        // (~10x slower); `n` is fixed per call, so the branches predict well.
        let (mut p, mut n) = (p, n);
        let mut part = _mm256_castps256_ps128(v);
        if n >= 4 {
            _mm_storeu_ps(p, part);
            part = _mm256_extractf128_ps::<1>(v);
            p = p.add(4);
            n -= 4;
        }
        if n >= 2 {
            _mm_storel_epi64(p.cast(), _mm_castps_si128(part));
            part = _mm_movehl_ps(part, part);
            p = p.add(2);
            n -= 2;
        }
        if n == 1 {
            _mm_store_ss(p, part);
        }
    }
    #[inline(always)]
    unsafe fn add(a: __m256, b: __m256) -> __m256 {
        _mm256_add_ps(a, b)
    }
    #[inline(always)]
    unsafe fn sub(a: __m256, b: __m256) -> __m256 {
        _mm256_sub_ps(a, b)
    }
    #[inline(always)]
    unsafe fn mul(a: __m256, b: __m256) -> __m256 {
        _mm256_mul_ps(a, b)
    }
    #[inline(always)]
    unsafe fn div(a: __m256, b: __m256) -> __m256 {
        _mm256_div_ps(a, b)
    }
    #[inline(always)]
    unsafe fn fma(a: __m256, b: __m256, c: __m256) -> __m256 {
        _mm256_fmadd_ps(a, b, c)
    }
    #[inline(always)]
    unsafe fn max(a: __m256, b: __m256) -> __m256 {
        // vmaxps returns the second operand when either is NaN.
        _mm256_max_ps(a, b)
    }
    #[inline(always)]
    unsafe fn select_lt(a: __m256, b: __m256, t: __m256, f: __m256) -> __m256 {
        _mm256_blendv_ps(f, t, _mm256_cmp_ps::<_CMP_LT_OQ>(a, b))
    }
    #[inline(always)]
    unsafe fn abs(a: __m256) -> __m256 {
        _mm256_andnot_ps(_mm256_set1_ps(-0.0), a)
    }
    #[inline(always)]
    unsafe fn pow2_magic(t: __m256) -> __m256 {
        let bits = _mm256_slli_epi32::<23>(_mm256_castps_si256(t));
        _mm256_castsi256_ps(_mm256_add_epi32(bits, _mm256_set1_epi32(0x3f80_0000)))
    }
    #[inline(always)]
    unsafe fn hsum(a: __m256) -> f32 {
        let s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps::<1>(a));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        let s = _mm_add_ss(s, _mm_shuffle_ps::<0b01>(s, s));
        _mm_cvtss_f32(s)
    }
    #[inline(always)]
    unsafe fn prefetch(p: *const f32) {
        _mm_prefetch::<_MM_HINT_T0>(p.cast());
    }
}
