//! Portable path: plain Rust on `[f32; 8]`, written so LLVM auto-vectorizes it
//! for whatever the compile-time target offers (SSE2 on default x86_64, NEON on aarch64).

use super::Simd;

/// Portable kernel type: 8 lanes of plain `f32` arithmetic (every CPU has it).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Portable;

const L: usize = 8;
type V = [f32; L];

#[inline(always)]
fn map1(a: V, f: impl Fn(f32) -> f32) -> V {
    core::array::from_fn(|i| f(a[i]))
}

#[inline(always)]
fn map2(a: V, b: V, f: impl Fn(f32, f32) -> f32) -> V {
    core::array::from_fn(|i| f(a[i], b[i]))
}

impl Simd for Portable {
    type V = V;
    const GEMV_BLOCK: usize = 4;
    const FUSED_BLOCK: usize = 4;
    const LANES: usize = L;

    #[inline(always)]
    fn zero(self) -> V {
        [0.0; L]
    }
    #[inline(always)]
    fn splat(self, x: f32) -> V {
        [x; L]
    }
    #[inline(always)]
    unsafe fn load(self, p: *const f32) -> V {
        // SAFETY: the caller makes `p[..8]` readable; unaligned reads are allowed.
        unsafe { p.cast::<V>().read_unaligned() }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32, v: V) {
        // SAFETY: the caller makes `p[..8]` writable; unaligned writes are allowed.
        unsafe { p.cast::<V>().write_unaligned(v) }
    }
    #[inline(always)]
    unsafe fn load_part(self, p: *const f32, n: usize) -> V {
        let mut v = [0.0; L];
        for (i, lane) in v.iter_mut().enumerate().take(n) {
            // SAFETY: `i < n` and the caller makes `p[..n]` readable.
            *lane = unsafe { p.add(i).read() };
        }
        v
    }
    #[inline(always)]
    unsafe fn store_part(self, p: *mut f32, n: usize, v: V) {
        for (i, lane) in v.iter().enumerate().take(n) {
            // SAFETY: `i < n` and the caller makes `p[..n]` writable.
            unsafe { p.add(i).write(*lane) };
        }
    }
    #[inline(always)]
    fn add(self, a: V, b: V) -> V {
        map2(a, b, |x, y| x + y)
    }
    #[inline(always)]
    fn sub(self, a: V, b: V) -> V {
        map2(a, b, |x, y| x - y)
    }
    #[inline(always)]
    fn mul(self, a: V, b: V) -> V {
        map2(a, b, |x, y| x * y)
    }
    #[inline(always)]
    fn div(self, a: V, b: V) -> V {
        map2(a, b, |x, y| x / y)
    }
    #[inline(always)]
    fn fma(self, a: V, b: V, c: V) -> V {
        // Hardware FMA only when the compile-time target guarantees it
        // (aarch64, or x86_64 built with `-C target-feature=+fma`); otherwise
        // `mul_add` would be a slow libm call, so use mul + add.
        #[cfg(any(target_arch = "aarch64", target_feature = "fma"))]
        {
            core::array::from_fn(|i| a[i].mul_add(b[i], c[i]))
        }
        #[cfg(not(any(target_arch = "aarch64", target_feature = "fma")))]
        {
            core::array::from_fn(|i| a[i] * b[i] + c[i])
        }
    }
    #[inline(always)]
    fn max(self, a: V, b: V) -> V {
        map2(a, b, |x, y| if x > y { x } else { y })
    }
    #[inline(always)]
    fn select_lt(self, a: V, b: V, t: V, f: V) -> V {
        core::array::from_fn(|i| if a[i] < b[i] { t[i] } else { f[i] })
    }
    #[inline(always)]
    fn abs(self, a: V) -> V {
        map1(a, |x| f32::from_bits(x.to_bits() & 0x7fff_ffff))
    }
    #[inline(always)]
    fn pow2_magic(self, t: V) -> V {
        map1(t, |x| {
            f32::from_bits((x.to_bits() << 23).wrapping_add(0x3f80_0000))
        })
    }
    #[inline(always)]
    fn hsum(self, a: V) -> f32 {
        let h: [f32; 4] = core::array::from_fn(|i| a[i] + a[i + 4]);
        (h[0] + h[2]) + (h[1] + h[3])
    }
    #[inline(always)]
    fn prefetch(self, _p: *const f32) {}
}
