//! What the two x86 paths share: the 128-bit end of a horizontal sum, and prefetching.

use core::arch::x86_64::*;

/// Sum of the four lanes of `s`.
///
/// # Safety
/// The CPU has SSE3 (every AVX CPU does); registers only.
#[inline(always)]
pub(crate) unsafe fn hsum128(s: __m128) -> f32 {
    // SAFETY: registers only, on an SSE CPU.
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
