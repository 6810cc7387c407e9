//! SIMD dispatch: the paths `MLP_REQUIRE_SIMD` names must run on this CPU
//! (CI sets `MLP_REQUIRE_SIMD=avx2+fma` and expects a failure when a named
//! path could not run), the public dispatch API, and AVX-512F being opt-in.

mod common;

use common::*;
use mlp_kernels as k;

/// Outside proptest, so that a missing path is one plain failure, not a
/// shrunk property case saved as a regression.
#[test]
fn required_simd_paths_run_here() {
    check_required_paths(&k::available_paths());
}

#[test]
fn dispatch_api() {
    let paths = k::available_paths();
    assert!(paths.contains(&"portable") && paths.contains(&"portable16"));
    assert!(paths.iter().all(|p| k::all_paths().contains(p)));
    assert_eq!(k::all_paths().last(), Some(&"portable16"));
    // Detection never picks the test shape unless asked to.
    if std::env::var_os("MLP_SIMD").is_none() {
        assert_ne!(k::simd_name(), "portable16");
    }
    assert!(paths.contains(&k::simd_name()));
    assert!(k::with_path("no-such-isa", || ()).is_none());
    let outer = k::simd_name();
    let inner = k::with_path("portable", || {
        let nested = k::with_path(paths[0], k::simd_name).unwrap();
        assert_eq!(nested, paths[0]);
        k::simd_name()
    });
    assert_eq!(inner, Some("portable"));
    assert_eq!(k::simd_name(), outer, "override restored");
    // Restored after a panic too.
    let _ = std::panic::catch_unwind(|| k::with_path("portable", || panic!("boom")));
    assert_eq!(k::simd_name(), outer);
    eprintln!("available: {paths:?}, active: {outer}");
}

/// Without `MLP_SIMD`, detection picks the fastest path the CPU has (the
/// first of `available_paths`); `MLP_SIMD=avx512` picks AVX-512F where the CPU has it.
#[test]
fn detection_picks_the_fastest_path_unless_mlp_simd_names_one() {
    let paths = k::available_paths();
    match std::env::var_os("MLP_SIMD") {
        None => assert_eq!(k::simd_name(), paths[0], "detection (available: {paths:?})"),
        Some(v) => {
            let v = v.to_string_lossy().trim().to_ascii_lowercase();
            if (v == "avx512" || v == "avx512f") && paths.contains(&"avx512f") {
                assert_eq!(k::simd_name(), "avx512f", "MLP_SIMD={v}");
            }
        }
    }
    if paths.contains(&"avx512f") {
        assert_eq!(k::with_path("avx512", k::simd_name), Some("avx512f"));
    }
}
