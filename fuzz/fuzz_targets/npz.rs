//! Any bytes given to the `.npz` reader are arrays or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let names = ["x_train", "y_train"];
    if let Ok(arrays) = mnist_idx::parse_npz(data.to_vec(), Path::new("fuzz.npz"), &names) {
        assert_eq!(arrays.len(), names.len());
    }
});
