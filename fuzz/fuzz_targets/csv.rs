//! Any bytes given to the CSV parser are a table whose features fill its
//! rows and columns, or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = mnist_idx::CsvTable::parse(data, Path::new("fuzz.csv"), None) {
        assert_eq!(t.features().len(), t.rows() * t.cols());
        if let Ok(classes) = t.classes() {
            let indices = t
                .class_indices(&classes)
                .expect("a table's own labels are its classes");
            assert_eq!(indices.len(), t.rows());
        }
    }
});
