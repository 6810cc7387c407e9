//! Runtime selection of the kernel type: CPU detection (once), the `MLP_SIMD`
//! environment override, and a thread-local override for tests and benchmarks.
//!
//! Detection picks the fastest path the CPU has: AVX-512F, else AVX2+FMA,
//! else portable Rust. Every path the CPU has is tested against the scalar
//! references, and `MLP_REQUIRE_SIMD=avx512f` makes the suite fail where the
//! AVX-512 path could not run (CI requires it on machines that have it).

use std::cell::Cell;
use std::sync::atomic::{AtomicU8, Ordering};

/// An instruction-set path (the discriminants are what the atomics store; 0 is none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Path {
    /// Plain Rust, auto-vectorized for the compile-time target.
    Portable = 1,
    /// Plain Rust in the shape of AVX-512 (16 lanes, its column blocks): it
    /// tests AVX-512's instantiation of every kernel body on any CPU.
    Portable16 = 4,
    /// AVX2 + FMA (x86_64 only).
    #[cfg(target_arch = "x86_64")]
    Avx2 = 2,
    /// AVX-512F (x86_64 only).
    #[cfg(target_arch = "x86_64")]
    Avx512 = 3,
}

impl Path {
    /// Canonical name reported by `simd_name`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Path::Portable => "portable",
            Path::Portable16 => "portable16",
            #[cfg(target_arch = "x86_64")]
            Path::Avx2 => "avx2+fma",
            #[cfg(target_arch = "x86_64")]
            Path::Avx512 => "avx512f",
        }
    }

    fn from_u8(v: u8) -> Option<Path> {
        match v {
            1 => Some(Path::Portable),
            4 => Some(Path::Portable16),
            #[cfg(target_arch = "x86_64")]
            2 => Some(Path::Avx2),
            #[cfg(target_arch = "x86_64")]
            3 => Some(Path::Avx512),
            _ => None,
        }
    }

    /// Floats per vector register of this path.
    pub(crate) fn lanes(self) -> usize {
        use crate::simd::Simd;
        match self {
            Path::Portable => crate::simd::portable::Portable::<8>::LANES,
            Path::Portable16 => crate::simd::portable::Portable::<16>::LANES,
            #[cfg(target_arch = "x86_64")]
            Path::Avx2 => crate::simd::avx2::Avx2::LANES,
            #[cfg(target_arch = "x86_64")]
            Path::Avx512 => crate::simd::avx512::Avx512::LANES,
        }
    }

    /// Parses a canonical name or a short alias (`avx2`, `avx512`), case-insensitively.
    pub(crate) fn parse(s: &str) -> Option<Path> {
        match s.trim().to_ascii_lowercase().as_str() {
            "portable" | "scalar" | "generic" => Some(Path::Portable),
            "portable16" | "portable-16" => Some(Path::Portable16),
            #[cfg(target_arch = "x86_64")]
            "avx2" | "avx2+fma" | "avx2,fma" | "fma" => Some(Path::Avx2),
            #[cfg(target_arch = "x86_64")]
            "avx512" | "avx512f" | "avx-512" | "avx-512f" => Some(Path::Avx512),
            _ => None,
        }
    }
}

/// The names of every path this build has: the fastest first, down to
/// `portable`, then the test shape `portable16`.
#[cfg(target_arch = "x86_64")]
pub(crate) const ALL_NAMES: &[&str] = &["avx512f", "avx2+fma", "portable", "portable16"];
/// The names of every path this build has.
#[cfg(not(target_arch = "x86_64"))]
pub(crate) const ALL_NAMES: &[&str] = &["portable", "portable16"];

/// All paths the running CPU supports: the fastest first, down to `Portable`,
/// then `Portable16` (a test shape, never picked by detection).
pub(crate) fn available() -> Vec<Path> {
    let mut v = Vec::with_capacity(3);
    #[cfg(target_arch = "x86_64")]
    {
        if crate::simd::avx512::Avx512::detect().is_some() {
            v.push(Path::Avx512);
        }
        if crate::simd::avx2::Avx2::detect().is_some() {
            v.push(Path::Avx2);
        }
    }
    v.push(Path::Portable);
    v.push(Path::Portable16);
    v
}

/// The path detection picks when `MLP_SIMD` names none: the first (fastest)
/// of `available` other than the test shape `Portable16`.
fn default_path(available: &[Path]) -> Path {
    available
        .iter()
        .copied()
        .find(|&p| p != Path::Portable16)
        .unwrap_or(Path::Portable)
}

/// The path `MLP_SIMD=requested` names (a canonical name or an alias), if it
/// is one of `available`.
fn requested_path(available: &[Path], requested: &str) -> Option<Path> {
    Path::parse(requested).filter(|p| available.contains(p))
}

/// Detection result, cached: 0 = not yet detected, else a `Path` discriminant.
static DETECTED: AtomicU8 = AtomicU8::new(0);

/// Detects the path once: the one `MLP_SIMD` names if this CPU has it, else
/// [`default_path`], the fastest.
#[cold]
fn detect() -> Path {
    let avail = available();
    let mut path = default_path(&avail);
    if let Ok(req) = std::env::var("MLP_SIMD") {
        match requested_path(&avail, &req) {
            Some(p) => path = p,
            None => eprintln!(
                "mlp-kernels: ignoring MLP_SIMD={req:?} (available: {}); using {}",
                avail
                    .iter()
                    .map(|p| p.name())
                    .collect::<Vec<_>>()
                    .join(", "),
                path.name()
            ),
        }
    }
    DETECTED.store(path as u8, Ordering::Relaxed);
    path
}

thread_local! {
    /// Per-thread forced path (0 = none), set by `with_path`.
    static OVERRIDE: Cell<u8> = const { Cell::new(0) };
}

/// The path kernels on this thread use right now.
#[inline(always)]
pub(crate) fn active() -> Path {
    let forced = OVERRIDE.with(Cell::get);
    if let Some(p) = Path::from_u8(forced) {
        return p;
    }
    match Path::from_u8(DETECTED.load(Ordering::Relaxed)) {
        Some(p) => p,
        None => detect(),
    }
}

/// Runs `f` with kernels on this thread forced to `path` (restored afterwards, also on panic).
pub(crate) fn with_forced<R>(path: Path, f: impl FnOnce() -> R) -> R {
    struct Restore(u8);
    impl Drop for Restore {
        fn drop(&mut self) {
            OVERRIDE.with(|o| o.set(self.0));
        }
    }
    let _restore = Restore(OVERRIDE.with(|o| o.replace(path as u8)));
    f()
}

/// Defines `unsafe fn $name(args)` that runs the generic body `$body::<S>` on the active path.
///
/// Each path gets its own entry point compiled with that path's target
/// features, so the `#[inline(always)]` body and all intrinsics inline into
/// it; the body receives the path's token as its first argument. Callers must
/// uphold the body's pointer/length contract.
macro_rules! kernel {
    ($(#[$meta:meta])* $vis:vis unsafe fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? = $body:ident;) => {
        $(#[$meta])*
        #[inline]
        $vis unsafe fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f")]
            #[allow(clippy::too_many_arguments)]
            unsafe fn avx512f(s: $crate::simd::avx512::Avx512, $($arg: $ty),*) $(-> $ret)? {
                // SAFETY: the caller upholds the body's contract.
                unsafe { $body(s, $($arg),*) }
            }
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma")]
            #[allow(clippy::too_many_arguments)]
            unsafe fn avx2fma(s: $crate::simd::avx2::Avx2, $($arg: $ty),*) $(-> $ret)? {
                // SAFETY: the caller upholds the body's contract.
                unsafe { $body(s, $($arg),*) }
            }
            #[allow(clippy::too_many_arguments)]
            unsafe fn portable($($arg: $ty),*) $(-> $ret)? {
                // SAFETY: the caller upholds the body's contract.
                unsafe { $body($crate::simd::portable::Portable::<8>, $($arg),*) }
            }
            #[allow(clippy::too_many_arguments)]
            unsafe fn portable16($($arg: $ty),*) $(-> $ret)? {
                // SAFETY: the caller upholds the body's contract.
                unsafe { $body($crate::simd::portable::Portable::<16>, $($arg),*) }
            }
            match $crate::dispatch::active() {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: a path is active only when the CPU has it (see
                // `dispatch::available`), which the token and the entry
                // point's target features need; the caller upholds the body's contract.
                $crate::dispatch::Path::Avx512 => unsafe {
                    avx512f($crate::simd::avx512::Avx512::new_unchecked(), $($arg),*)
                },
                #[cfg(target_arch = "x86_64")]
                // SAFETY: `Avx2` is active only when the CPU has AVX2 and FMA
                // (see `dispatch::available`), which the token and the entry
                // point's target features need; the caller upholds the body's contract.
                $crate::dispatch::Path::Avx2 => unsafe {
                    avx2fma($crate::simd::avx2::Avx2::new_unchecked(), $($arg),*)
                },
                // SAFETY: portable code needs no CPU feature; the caller
                // upholds the body's contract.
                $crate::dispatch::Path::Portable => unsafe { portable($($arg),*) },
                // SAFETY: portable code needs no CPU feature; the caller
                // upholds the body's contract.
                $crate::dispatch::Path::Portable16 => unsafe { portable16($($arg),*) },
            }
        }
    };
}
pub(crate) use kernel;

#[cfg(test)]
mod tests {
    use super::{default_path, requested_path, Path};

    /// Detection picks the fastest path the CPU has; `MLP_SIMD` names another.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn detection_picks_the_fastest_path_unless_asked_for_another() {
        let all = [Path::Avx512, Path::Avx2, Path::Portable, Path::Portable16];
        assert_eq!(default_path(&all), Path::Avx512);
        for name in ["avx512", "avx512f", "AVX-512", "avx-512f"] {
            assert_eq!(requested_path(&all, name), Some(Path::Avx512), "{name}");
        }
        assert_eq!(requested_path(&all, "avx2"), Some(Path::Avx2));
        // Asking for a path the CPU lacks selects nothing (detection warns
        // and keeps the default).
        let avx2_only = [Path::Avx2, Path::Portable, Path::Portable16];
        assert_eq!(requested_path(&avx2_only, "avx512"), None);
        assert_eq!(default_path(&avx2_only), Path::Avx2);
    }

    /// Without a SIMD path, detection picks portable Rust, never the test shape.
    #[test]
    fn portable_only() {
        assert_eq!(default_path(&[Path::Portable]), Path::Portable);
        assert_eq!(
            default_path(&[Path::Portable, Path::Portable16]),
            Path::Portable
        );
        assert_eq!(
            requested_path(&[Path::Portable, Path::Portable16], "portable16"),
            Some(Path::Portable16)
        );
        assert_eq!(requested_path(&[Path::Portable], "no-such-isa"), None);
    }

    /// What makes `portable16` test AVX-512's instantiation of every body.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn portable16_is_shaped_like_avx512() {
        use crate::simd::{avx512::Avx512, portable::Portable, Simd};
        assert_eq!(Portable::<16>::LANES, Avx512::LANES);
        assert_eq!(Portable::<16>::GEMV_BLOCK, Avx512::GEMV_BLOCK);
        assert_eq!(Portable::<16>::FUSED_BLOCK, Avx512::FUSED_BLOCK);
    }
}
