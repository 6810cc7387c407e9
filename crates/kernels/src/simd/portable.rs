//! Portable paths: plain Rust on `[f32; L]`, written so LLVM auto-vectorizes it
//! for whatever the compile-time target offers (SSE2 on default x86_64, NEON on aarch64).
//!
//! `Portable<8>` is the path for CPUs without AVX2. `Portable<16>` has the
//! lanes and column blocks of the AVX-512 path, so the tests run every
//! kernel body in AVX-512's shape (tails of up to 15 floats, every
//! remainder block) on any CPU; only AVX-512's intrinsic wrappers stay
//! untested where it is missing.

use super::Simd;

/// Portable kernel type: `L` lanes of plain `f32` arithmetic (every CPU has it).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Portable<const L: usize>;

#[inline(always)]
fn map1<const L: usize>(a: [f32; L], f: impl Fn(f32) -> f32) -> [f32; L] {
    core::array::from_fn(|i| f(a[i]))
}

#[inline(always)]
fn map2<const L: usize>(a: [f32; L], b: [f32; L], f: impl Fn(f32, f32) -> f32) -> [f32; L] {
    core::array::from_fn(|i| f(a[i], b[i]))
}

impl<const L: usize> Simd for Portable<L> {
    type V = [f32; L];
    // 16 lanes block like AVX-512 (8 and 4 vectors); 8 lanes take 4 and 4.
    const GEMV_BLOCK: usize = if L == 16 { 8 } else { 4 };
    const FUSED_BLOCK: usize = 4;
    const LANES: usize = L;

    #[inline(always)]
    fn zero(self) -> Self::V {
        [0.0; L]
    }
    #[inline(always)]
    fn splat(self, x: f32) -> Self::V {
        [x; L]
    }
    #[inline(always)]
    unsafe fn load(self, p: *const f32) -> Self::V {
        // SAFETY: the caller makes `p[..L]` readable; unaligned reads are allowed.
        unsafe { p.cast::<Self::V>().read_unaligned() }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32, v: Self::V) {
        // SAFETY: the caller makes `p[..L]` writable; unaligned writes are allowed.
        unsafe { p.cast::<Self::V>().write_unaligned(v) }
    }
    #[inline(always)]
    unsafe fn load_part(self, p: *const f32, n: usize) -> Self::V {
        let mut v = [0.0; L];
        for (i, lane) in v.iter_mut().enumerate().take(n) {
            // SAFETY: `i < n` and the caller makes `p[..n]` readable.
            *lane = unsafe { p.add(i).read() };
        }
        v
    }
    #[inline(always)]
    unsafe fn store_part(self, p: *mut f32, n: usize, v: Self::V) {
        for (i, lane) in v.iter().enumerate().take(n) {
            // SAFETY: `i < n` and the caller makes `p[..n]` writable.
            unsafe { p.add(i).write(*lane) };
        }
    }
    #[inline(always)]
    fn add(self, a: Self::V, b: Self::V) -> Self::V {
        map2(a, b, |x, y| x + y)
    }
    #[inline(always)]
    fn sub(self, a: Self::V, b: Self::V) -> Self::V {
        map2(a, b, |x, y| x - y)
    }
    #[inline(always)]
    fn mul(self, a: Self::V, b: Self::V) -> Self::V {
        map2(a, b, |x, y| x * y)
    }
    #[inline(always)]
    fn div(self, a: Self::V, b: Self::V) -> Self::V {
        map2(a, b, |x, y| x / y)
    }
    #[inline(always)]
    fn sqrt(self, a: Self::V) -> Self::V {
        map2(a, a, |x, _| x.sqrt())
    }
    #[inline(always)]
    fn fma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V {
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
    fn max(self, a: Self::V, b: Self::V) -> Self::V {
        map2(a, b, |x, y| if x > y { x } else { y })
    }
    #[inline(always)]
    fn select_lt(self, a: Self::V, b: Self::V, t: Self::V, f: Self::V) -> Self::V {
        core::array::from_fn(|i| if a[i] < b[i] { t[i] } else { f[i] })
    }
    #[inline(always)]
    fn abs(self, a: Self::V) -> Self::V {
        map1(a, |x| f32::from_bits(x.to_bits() & 0x7fff_ffff))
    }
    #[inline(always)]
    fn pow2_magic(self, t: Self::V) -> Self::V {
        map1(t, |x| {
            f32::from_bits((x.to_bits() << 23).wrapping_add(0x3f80_0000))
        })
    }
    #[inline(always)]
    fn hsum(self, a: Self::V) -> f32 {
        // Pairwise halves: for 8 lanes, (a0+a4 + a2+a6) + (a1+a5 + a3+a7).
        const { assert!(L.is_power_of_two(), "lanes must be a power of two") };
        let mut v = a;
        let mut w = L;
        while w > 1 {
            w /= 2;
            for i in 0..w {
                v[i] += v[i + w];
            }
        }
        v[0]
    }
    #[inline(always)]
    fn prefetch(self, _p: *const f32) {}
}
