//! Any bytes given to the `.npy` parser are an array whose body matches its
//! shape, or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(a) = mnist_idx::NpyArray::parse(data.to_vec(), Path::new("fuzz.npy")) {
        let count: usize = a.dims().iter().product();
        assert_eq!(a.body().len(), count * a.dtype().size());
        for i in 0..count.min(64) {
            let _ = a.get_f64(i);
        }
    }
});
