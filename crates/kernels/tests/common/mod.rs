//! What every kernel test file shares: running a test on every SIMD path
//! the CPU has (and printing which paths it ran and which the CPU lacks),
//! the paths `MLP_REQUIRE_SIMD` requires, proptest strategies, bit
//! comparison, a float tolerance, and a small deterministic generator.
//!
//! Each test that runs kernels through [`for_each_path`] prints (past
//! libtest's capture, so it shows in `cargo test`'s output) which paths it
//! ran on and which it skipped because the CPU lacks them. With
//! `MLP_REQUIRE_SIMD=avx2+fma,portable`, `required_simd_paths_run_here` (in
//! `tests/dispatch.rs`) fails when a named path cannot run here, so CI
//! notices a machine that skipped one.
#![allow(dead_code)]

use mlp_kernels as k;
use proptest::collection::vec;
use proptest::prelude::*;
use std::collections::HashSet;
use std::io::Write;
use std::sync::Mutex;

/// The paths `MLP_REQUIRE_SIMD` names (comma-separated canonical names).
pub fn required_paths() -> Vec<String> {
    std::env::var("MLP_REQUIRE_SIMD")
        .unwrap_or_default()
        .split(',')
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Panics unless every path `MLP_REQUIRE_SIMD` names is known and runs on this CPU.
pub fn check_required_paths(available: &[&str]) {
    for p in required_paths() {
        assert!(
            k::all_paths().contains(&p.as_str()),
            "MLP_REQUIRE_SIMD names '{p}', which is not a path of this build (paths: {})",
            k::all_paths().join(", ")
        );
        assert!(
            available.contains(&p.as_str()),
            "MLP_REQUIRE_SIMD requires path {p}, but this CPU lacks it, so its kernels were not tested (this CPU has: {})",
            available.join(", ")
        );
    }
}

/// Writes, once per test (libtest names each test's thread after it), the
/// paths the test runs on and the ones it skips.
pub fn report_paths_once(available: &[&str]) {
    static REPORTED: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let test = std::thread::current()
        .name()
        .unwrap_or("unnamed test")
        .to_string();
    let mut reported = REPORTED.lock().unwrap_or_else(|e| e.into_inner());
    if !reported
        .get_or_insert_with(HashSet::new)
        .insert(test.clone())
    {
        return;
    }
    let skipped: Vec<&str> = k::all_paths()
        .iter()
        .copied()
        .filter(|p| !available.contains(p))
        .collect();
    let skipped = if skipped.is_empty() {
        "none".to_string()
    } else {
        format!("{} (this CPU lacks them)", skipped.join(", "))
    };
    // Straight to the process's stderr: libtest captures `eprintln!` of passing tests.
    let _ = writeln!(
        std::io::stderr().lock(),
        "simd paths of {test}: tested {}; skipped {skipped}",
        available.join(", ")
    );
}

/// Runs `f` once per SIMD path this CPU supports, with kernels forced to that
/// path, and reports the paths tested and skipped.
pub fn for_each_path(mut f: impl FnMut(&'static str)) {
    let available = k::available_paths();
    report_paths_once(&available);
    for p in available {
        k::with_path(p, || {
            assert_eq!(k::simd_name(), p);
            f(p)
        })
        .expect("available path must be usable");
    }
}

/// Small-integer-valued floats in -4..=4.
pub fn ints(n: usize) -> impl Strategy<Value = Vec<f32>> {
    vec((-4i32..=4).prop_map(|v| v as f32), n)
}

/// Non-integer floats in [-2, 2).
pub fn floats(n: usize) -> impl Strategy<Value = Vec<f32>> {
    vec(-2.0f32..2.0, n)
}

/// A random strictly increasing subset of `0..rows`.
pub fn subset(rows: usize) -> impl Strategy<Value = Vec<u32>> {
    vec(any::<bool>(), rows).prop_map(|m| {
        m.iter()
            .enumerate()
            .filter(|(_, &b)| b)
            .map(|(i, _)| i as u32)
            .collect()
    })
}

/// Lengths up to 140: every tail and every remainder block of full vectors,
/// also in the 16-lane shape (8 vectors of 16 per `gemv_t` block = 128).
pub fn dim() -> impl Strategy<Value = usize> {
    0usize..=140
}

// Not every test file draws numbers or compares bits.
#[allow(unused_imports)]
pub use mlp_testkit::{bits, Rng};

/// Tolerance for a float sum of `terms` products of magnitude <= `mag`.
pub fn tol(terms: usize, mag: f32) -> f32 {
    1e-6 * (terms as f32 + 1.0) * mag + 1e-6
}
