//! `.npy` and `.npz` files written by NumPy 2.4.6 itself (`tests/fixtures/numpy/`:
//! `np.save` of a uint8 2x3, a big-endian int32 3x4, a Fortran-ordered
//! float64 3x4, an int64 vector and a float32 2x3x4 image stack, each
//! holding 0, 1, 2, ... in C order, divided by 7 for the images and less 2
//! for the vector) read back as those values.

use mnist_idx::{write, NpyArray, NpyType};
use std::path::Path;

fn open(name: &str) -> NpyArray {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/numpy")
        .join(name);
    NpyArray::open(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn values(a: &NpyArray) -> Vec<f64> {
    let count: usize = a.dims().iter().product();
    (0..count).map(|i| a.get_f64(i)).collect()
}

#[test]
fn numpys_own_files_read_as_their_values_in_c_order() {
    let u8s = open("u8.npy");
    assert_eq!((u8s.dtype(), u8s.dims()), (NpyType::U8, &[2usize, 3][..]));
    assert!(u8s.is_mapped(), "little-endian C order is read in place");
    assert_eq!(values(&u8s), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);

    let be = open("bei4.npy");
    assert_eq!((be.dtype(), be.dims()), (NpyType::I32, &[3usize, 4][..]));
    assert!(!be.is_mapped(), "big-endian is converted");
    assert_eq!(values(&be), (0..12).map(f64::from).collect::<Vec<_>>());

    let fortran = open("f8F.npy");
    assert_eq!(
        (fortran.dtype(), fortran.dims()),
        (NpyType::F64, &[3usize, 4][..])
    );
    assert_eq!(values(&fortran), (0..12).map(f64::from).collect::<Vec<_>>());

    let ints = open("i8.npy");
    assert_eq!((ints.dtype(), ints.dims()), (NpyType::I64, &[5usize][..]));
    assert_eq!(
        (0..5).map(|i| ints.get_int(i)).collect::<Vec<_>>(),
        [-2, -1, 0, 1, 2]
    );

    let images = open("f4img.npy");
    assert_eq!(
        (images.dtype(), images.dims()),
        (NpyType::F32, &[2usize, 3, 4][..])
    );
    let expected: Vec<f64> = (0..24).map(|i| (i as f32 / 7.0) as f64).collect();
    assert_eq!(values(&images), expected);
}

/// The test writer makes byte for byte the file NumPy makes.
#[test]
fn the_writer_writes_what_numpy_writes() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/numpy");
    let numpy = std::fs::read(path.join("u8.npy")).unwrap();
    assert_eq!(
        write::npy(NpyType::U8, false, false, &[2, 3], &[0, 1, 2, 3, 4, 5]),
        numpy
    );
    let images = std::fs::read(path.join("f4img.npy")).unwrap();
    let body: Vec<u8> = (0..24)
        .flat_map(|i| (i as f32 / 7.0).to_le_bytes())
        .collect();
    assert_eq!(
        write::npy(NpyType::F32, false, false, &[2, 3, 4], &body),
        images
    );
}

/// `np.savez` and `np.savez_compressed` of Keras' layout (x_train 3x2x2
/// uint8 holding 0, 7, 14, ...; y_train [2, 0, 1] int64; x_test 2x2x2 holding
/// 0, 5, 10, ...; y_test [1, 2]) read as those arrays, the stored one in place.
#[test]
fn numpys_npz_archives_read_as_their_arrays() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/numpy");
    for (file, in_place) in [
        ("keras-layout.npz", true),
        ("keras-layout-compressed.npz", false),
    ] {
        let a = mnist_idx::read_npz(dir.join(file), &["x_train", "y_train", "x_test", "y_test"])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a[0].dims(), &[3, 2, 2], "{file}");
        assert_eq!(
            a[0].body(),
            (0..12u8).map(|i| i * 7).collect::<Vec<_>>(),
            "{file}"
        );
        assert_eq!(a[0].is_mapped(), in_place, "{file}");
        assert_eq!((a[1].dtype(), a[1].dims()), (NpyType::I64, &[3usize][..]));
        assert_eq!(
            (0..3).map(|i| a[1].get_int(i)).collect::<Vec<_>>(),
            [2, 0, 1]
        );
        assert_eq!(
            a[2].body(),
            (0..8u8).map(|i| i * 5).collect::<Vec<_>>(),
            "{file}"
        );
        assert_eq!((0..2).map(|i| a[3].get_int(i)).collect::<Vec<_>>(), [1, 2]);
    }
}
