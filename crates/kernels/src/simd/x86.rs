//! What the two x86 paths share: the 128-bit end of a horizontal sum, and prefetching.

use core::arch::x86_64::*;

/// Sum of the four lanes of `s`. Safe: it uses only SSE, which every x86_64
/// CPU has, on registers.
#[inline(always)]
pub(crate) fn hsum128(s: __m128) -> f32 {
    // SAFETY: `addps`, `movhlps`, `addss`, `shufps` and `movss` are SSE, which
    // every x86_64 CPU has, and they touch only registers.
    unsafe {
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        let s = _mm_add_ss(s, _mm_shuffle_ps::<0b01>(s, s));
        _mm_cvtss_f32(s)
    }
}

/// Asks for the cache line holding `p` (no effect on results).
#[inline(always)]
pub(crate) fn prefetch_t0(p: *const f32) {
    // SAFETY: a prefetch never faults, whatever the address; SSE is part of x86_64.
    unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast()) }
}
