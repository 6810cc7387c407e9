//! Property tests: arbitrary and corrupted bytes never panic the parser.

mod common;

use std::path::Path;

use mnist_idx::write::{idx, idx_u8};
use mnist_idx::{DType, IdxArray, IdxError};
use proptest::prelude::*;

fn dtype() -> impl Strategy<Value = DType> {
    prop_oneof![
        Just(DType::U8),
        Just(DType::I8),
        Just(DType::I16),
        Just(DType::I32),
        Just(DType::F32),
        Just(DType::F64),
    ]
}

/// A valid small IDX file of any element type and rank 0..=3.
fn valid_file() -> impl Strategy<Value = Vec<u8>> {
    (dtype(), prop::collection::vec(1usize..5, 0..=3)).prop_flat_map(|(dt, dims)| {
        let n = dims.iter().product::<usize>() * dt.size();
        prop::collection::vec(any::<u8>(), n).prop_map(move |body| idx(dt, &dims, &body))
    })
}

/// If parsing succeeded, the array must be self-consistent.
fn check_ok(bytes: &[u8], r: &Result<IdxArray, IdxError>) {
    if let Ok(a) = r {
        let n: usize = a.dims().iter().product();
        assert_eq!(a.body().len(), n * a.dtype().size());
        assert_eq!(a.bytes(), bytes);
        assert_eq!(bytes.len(), 4 + 4 * a.dims().len() + a.body().len());
    }
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..96)) {
        let r = IdxArray::parse(bytes.clone(), Path::new("random"));
        check_ok(&bytes, &r);
    }

    #[test]
    fn header_shaped_bytes_never_panic(
        ty in any::<u8>(),
        rank in 0u8..5,
        dims in prop::collection::vec(any::<u32>(), 0..5),
        body in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut bytes = vec![0, 0, ty, rank];
        for d in dims {
            bytes.extend_from_slice(&d.to_be_bytes());
        }
        bytes.extend_from_slice(&body);
        let r = IdxArray::parse(bytes.clone(), Path::new("shaped"));
        check_ok(&bytes, &r);
    }

    #[test]
    fn every_truncation_is_an_error(file in valid_file()) {
        prop_assert!(IdxArray::parse(file.clone(), Path::new("full")).is_ok());
        for len in 0..file.len() {
            let r = IdxArray::parse(file[..len].to_vec(), Path::new("cut"));
            prop_assert!(
                matches!(r, Err(IdxError::TruncatedHeader { .. } | IdxError::BodySize { .. })),
                "len {} of {}: {:?}", len, file.len(), r
            );
        }
    }

    #[test]
    fn header_bit_flips_never_panic(file in valid_file(), bit in any::<prop::sample::Index>()) {
        let rank = usize::from(file[3]);
        let header_bits = (4 + 4 * rank) * 8;
        let b = bit.index(header_bits);
        let mut bytes = file;
        bytes[b / 8] ^= 1 << (b % 8);
        let r = IdxArray::parse(bytes.clone(), Path::new("flipped"));
        check_ok(&bytes, &r);
    }

    #[test]
    fn trailing_byte_is_an_error(file in valid_file(), extra in any::<u8>()) {
        let mut bytes = file;
        bytes.push(extra);
        let r = IdxArray::parse(bytes, Path::new("long"));
        prop_assert!(matches!(r, Err(IdxError::BodySize { .. })), "{:?}", r);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Corrupted gzip files on disk yield Ok or Err, never a panic.
    #[test]
    fn corrupt_gz_files_never_panic(
        body in prop::collection::vec(any::<u8>(), 1..40),
        flip in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut gz = common::gz(&idx_u8(&[body.len()], &body));
        let i = flip.index(gz.len());
        gz[i] ^= 0x5A;
        let keep = cut.index(gz.len() + 1);
        gz.truncate(keep.max(1));
        let path = dir.path().join("f.gz");
        std::fs::write(&path, &gz).unwrap();
        match IdxArray::open(&path) {
            // A stream that still decodes (CRC intact) must give back the original file.
            Ok(a) => prop_assert_eq!(a.body(), &body[..]),
            Err(e) => prop_assert_eq!(e.path(), Some(path.as_path())),
        }
    }
}
