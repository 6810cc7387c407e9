//! Fuzzes the IDX parser and the split checks on arbitrary bytes.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use mnist_idx::{DType, IdxArray};

fuzz_target!(|data: &[u8]| {
    if let Ok(a) = IdxArray::parse(data.to_vec(), Path::new("fuzz")) {
        let n: usize = a.dims().iter().product();
        assert_eq!(a.body().len(), n * a.dtype().size());
        if a.dtype() == DType::U8 && a.dims().len() == 3 {
            let p = a.dims()[1] * a.dims()[2];
            assert_eq!(a.body().chunks_exact(p).count(), a.dims()[0]);
        }
    }
});
