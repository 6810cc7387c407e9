//! Any bytes given to the IDX parser are an array or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(a) = mnist_idx::IdxArray::parse(data.to_vec(), Path::new("fuzz.idx")) {
        let count: usize = a.dims().iter().product();
        assert_eq!(a.body().len(), count * a.dtype().size());
    }
});
