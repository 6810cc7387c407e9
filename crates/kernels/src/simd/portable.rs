//! Portable path: plain Rust on `[f32; 8]`, written so LLVM auto-vectorizes it
//! for whatever the compile-time target offers (SSE2 on default x86_64, NEON on aarch64).

use super::Simd;

/// Portable kernel type: 8 lanes of plain `f32` arithmetic.
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
    unsafe fn zero() -> V {
        [0.0; L]
    }
    #[inline(always)]
    unsafe fn splat(x: f32) -> V {
        [x; L]
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> V {
        p.cast::<V>().read_unaligned()
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: V) {
        p.cast::<V>().write_unaligned(v)
    }
    #[inline(always)]
    unsafe fn load_part(p: *const f32, n: usize) -> V {
        let mut v = [0.0; L];
        for (i, lane) in v.iter_mut().enumerate().take(n) {
            *lane = *p.add(i);
        }
        v
    }
    #[inline(always)]
    unsafe fn store_part(p: *mut f32, n: usize, v: V) {
        for (i, lane) in v.iter().enumerate().take(n) {
            *p.add(i) = *lane;
        }
    }
    #[inline(always)]
    unsafe fn add(a: V, b: V) -> V {
        map2(a, b, |x, y| x + y)
    }
    #[inline(always)]
    unsafe fn sub(a: V, b: V) -> V {
        map2(a, b, |x, y| x - y)
    }
    #[inline(always)]
    unsafe fn mul(a: V, b: V) -> V {
        map2(a, b, |x, y| x * y)
    }
    #[inline(always)]
    unsafe fn div(a: V, b: V) -> V {
        map2(a, b, |x, y| x / y)
    }
    #[inline(always)]
    unsafe fn fma(a: V, b: V, c: V) -> V {
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
    unsafe fn max(a: V, b: V) -> V {
        map2(a, b, |x, y| if x > y { x } else { y })
    }
    #[inline(always)]
    unsafe fn select_lt(a: V, b: V, t: V, f: V) -> V {
        core::array::from_fn(|i| if a[i] < b[i] { t[i] } else { f[i] })
    }
    #[inline(always)]
    unsafe fn abs(a: V) -> V {
        map1(a, |x| f32::from_bits(x.to_bits() & 0x7fff_ffff))
    }
    #[inline(always)]
    unsafe fn pow2_magic(t: V) -> V {
        map1(t, |x| {
            f32::from_bits((x.to_bits() << 23).wrapping_add(0x3f80_0000))
        })
    }
    #[inline(always)]
    unsafe fn hsum(a: V) -> f32 {
        let h: [f32; 4] = core::array::from_fn(|i| a[i] + a[i + 4]);
        (h[0] + h[2]) + (h[1] + h[3])
    }
    #[inline(always)]
    unsafe fn prefetch(_p: *const f32) {}
}
