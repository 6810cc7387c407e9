//! Round trips of synthetic datasets and one test per error variant.

mod common;

use std::path::{Path, PathBuf};

use common::{gz, put, sample};
use mnist_idx::write::{idx, idx_u8, write_split};
use mnist_idx::{open_split, DType, IdxArray, IdxError, Mnist};
use tempfile::TempDir;

const ROWS: usize = 4;
const COLS: usize = 3;

struct Fixture {
    dir: TempDir,
    train: (Vec<u8>, Vec<u8>),
    test: (Vec<u8>, Vec<u8>),
}

/// Writes a valid dataset (7 train, 5 test samples) with the given spelling and compression.
fn fixture(dotted: bool, gzip: bool) -> Fixture {
    let dir = TempDir::new().unwrap();
    let train = sample(7, ROWS, COLS, 10, 1);
    let test = sample(5, ROWS, COLS, 10, 2);
    for (prefix, (images, labels)) in [("train", &train), ("t10k", &test)] {
        let sep = if dotted { '.' } else { '-' };
        let ext = if gzip { ".gz" } else { "" };
        let img = idx_u8(&[images.len() / (ROWS * COLS), ROWS, COLS], images);
        let lab = idx_u8(&[labels.len()], labels);
        let (img, lab) = if gzip {
            (gz(&img), gz(&lab))
        } else {
            (img, lab)
        };
        put(
            dir.path(),
            &format!("{prefix}-images{sep}idx3-ubyte{ext}"),
            &img,
        );
        put(
            dir.path(),
            &format!("{prefix}-labels{sep}idx1-ubyte{ext}"),
            &lab,
        );
    }
    Fixture { dir, train, test }
}

fn raw_fixture() -> Fixture {
    fixture(false, false)
}

/// Asserts the error message is one line and names `path`, and that `path()` agrees.
fn check_msg(err: &IdxError, path: &Path) {
    let msg = err.to_string();
    assert!(!msg.contains('\n'), "multi-line message: {msg}");
    assert!(
        msg.contains(&path.display().to_string()),
        "message {msg:?} does not name {}",
        path.display()
    );
    assert_eq!(err.path(), Some(path));
}

fn check_split(split: &mnist_idx::Split, images: &[u8], labels: &[u8]) {
    let p = ROWS * COLS;
    assert_eq!(split.len(), labels.len());
    assert!(!split.is_empty());
    assert_eq!(
        (split.rows(), split.cols(), split.pixels()),
        (ROWS, COLS, p)
    );
    assert_eq!(split.classes(), 10);
    assert_eq!(split.image_bytes(), images);
    assert_eq!(split.labels(), labels);
    for i in 0..split.len() {
        assert_eq!(split.image(i), &images[i * p..(i + 1) * p]);
        assert_eq!(split.label(i), labels[i]);
    }
    let v = split.view();
    assert_eq!(v.len(), split.len());
    assert_eq!(v.image_bytes(), images);
    assert_eq!(v.labels(), labels);
}

#[test]
fn round_trip_all_spellings() {
    for dotted in [false, true] {
        for gzip in [false, true] {
            let f = fixture(dotted, gzip);
            let m = Mnist::open(f.dir.path()).unwrap();
            check_split(&m.train, &f.train.0, &f.train.1);
            check_split(&m.test, &f.test.0, &f.test.1);
            assert_eq!(m.train.images_array().is_mapped(), !gzip);
            let name = m.train.images_path().file_name().unwrap().to_str().unwrap();
            assert_eq!(name.ends_with(".gz"), gzip);
            assert_eq!(name.contains(".idx3"), dotted);
        }
    }
}

#[test]
fn raw_images_are_zero_copy() {
    let f = raw_fixture();
    let m = Mnist::open(f.dir.path()).unwrap();
    let all = m.train.image_bytes().as_ptr_range();
    let bytes = m.train.images_array().bytes().as_ptr_range();
    assert!(m.train.images_array().is_mapped());
    for i in 0..m.train.len() {
        let img = m.train.image(i).as_ptr_range();
        assert!(all.start <= img.start && img.end <= all.end);
        assert_eq!(img.start, all.start.wrapping_add(i * m.train.pixels()));
    }
    // Body is the file's bytes after the 16-byte header, not a copy.
    assert_eq!(all.start, bytes.start.wrapping_add(16));
}

#[test]
fn write_split_round_trips() {
    let dir = TempDir::new().unwrap();
    let (ti, tl) = sample(6, 2, 5, 10, 3);
    let (si, sl) = sample(2, 2, 5, 10, 4);
    write_split(dir.path(), "train", &ti, 2, 5, &tl).unwrap();
    write_split(dir.path(), "t10k", &si, 2, 5, &sl).unwrap();
    let m = Mnist::open(dir.path()).unwrap();
    assert_eq!((m.train.len(), m.test.len()), (6, 2));
    assert_eq!(m.train.image_bytes(), &ti[..]);
    assert_eq!(m.test.labels(), &sl[..]);
}

#[test]
fn multi_member_gzip_is_read_whole() {
    let f = raw_fixture();
    let dir = f.dir.path();
    let raw = std::fs::read(dir.join("train-images-idx3-ubyte")).unwrap();
    std::fs::remove_file(dir.join("train-images-idx3-ubyte")).unwrap();
    let mut two = gz(&raw[..10]);
    two.extend(gz(&raw[10..]));
    put(dir, "train-images-idx3-ubyte.gz", &two);
    let m = Mnist::open(dir).unwrap();
    assert_eq!(m.train.image_bytes(), &f.train.0[..]);
}

#[test]
fn raw_is_preferred_over_gz() {
    let f = raw_fixture();
    let dir = f.dir.path();
    // A .gz next to the raw file with different labels must be ignored.
    let other: Vec<u8> = f.train.1.iter().map(|l| (l + 1) % 10).collect();
    put(
        dir,
        "train-labels-idx1-ubyte.gz",
        &gz(&idx_u8(&[other.len()], &other)),
    );
    // A .gz that is corrupt must not even be opened.
    put(dir, "train-images-idx3-ubyte.gz", b"garbage");
    let m = Mnist::open(dir).unwrap();
    assert_eq!(m.train.labels(), &f.train.1[..]);
    assert_eq!(m.train.labels_path(), dir.join("train-labels-idx1-ubyte"));
}

#[test]
fn sha256_is_of_uncompressed_bytes_in_order() {
    let raw = raw_fixture();
    let gzd = fixture(false, true);
    let a = Mnist::open(raw.dir.path()).unwrap().sha256();
    let b = Mnist::open(gzd.dir.path()).unwrap().sha256();
    let names: Vec<&str> = a.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "train-images-idx3-ubyte",
            "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte"
        ]
    );
    assert_eq!(b[0].0, "train-images-idx3-ubyte.gz");
    for ((_, ha), (_, hb)) in a.iter().zip(&b) {
        assert_eq!(ha, hb);
        assert_eq!(ha.len(), 64);
        assert!(ha.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')));
    }
    assert_ne!(a[0].1, a[2].1);
    // A known digest for a one-sample label file.
    let tiny = TempDir::new().unwrap();
    write_split(tiny.path(), "train", &[0], 1, 1, &[0]).unwrap();
    write_split(tiny.path(), "t10k", &[0], 1, 1, &[0]).unwrap();
    let h = Mnist::open(tiny.path()).unwrap().sha256();
    // sha256(00 00 08 01 00 00 00 01 00), computed independently with `sha256sum`.
    assert_eq!(
        h[1].1,
        "dd6678dd4d4a65187aea2998f0283b84b0954bdf39e390aedd72b021aca7a29e"
    );
}

#[test]
fn first_k_views() {
    let f = raw_fixture();
    let m = Mnist::open(f.dir.path()).unwrap();
    let p = ROWS * COLS;
    let v = m.train.first(3).unwrap();
    assert_eq!(v.len(), 3);
    assert_eq!(
        (v.rows(), v.cols(), v.pixels(), v.classes()),
        (ROWS, COLS, p, 10)
    );
    assert_eq!(v.image_bytes(), &f.train.0[..3 * p]);
    assert_eq!(v.labels(), &f.train.1[..3]);
    assert_eq!(v.image(2), &f.train.0[2 * p..3 * p]);
    assert_eq!(v.label(2), f.train.1[2]);
    assert_eq!(m.train.first(7).unwrap().len(), 7);
    let empty = m.train.first(0).unwrap();
    assert!(empty.is_empty());
    assert!(empty.image_bytes().is_empty());

    match m.train.first(8) {
        Err(
            ref e @ IdxError::TooFewSamples {
                requested: 8,
                available: 7,
                ..
            },
        ) => check_msg(e, m.train.images_path()),
        other => panic!("expected TooFewSamples, got {other:?}"),
    }
}

#[test]
#[should_panic(expected = "out of range")]
fn image_index_out_of_range_panics() {
    let f = raw_fixture();
    let m = Mnist::open(f.dir.path()).unwrap();
    let _ = m.test.image(5);
}

#[test]
#[should_panic(expected = "out of range")]
fn view_label_index_out_of_range_panics() {
    let f = raw_fixture();
    let m = Mnist::open(f.dir.path()).unwrap();
    let _ = m.train.first(2).unwrap().label(2);
}

#[test]
fn explicit_class_count() {
    let dir = TempDir::new().unwrap();
    let (ti, tl) = sample(30, 2, 2, 26, 5);
    let (si, sl) = sample(10, 2, 2, 26, 6);
    write_split(dir.path(), "train", &ti, 2, 2, &tl).unwrap();
    write_split(dir.path(), "t10k", &si, 2, 2, &sl).unwrap();
    let m = Mnist::open_with_classes(dir.path(), 26).unwrap();
    assert_eq!(m.train.classes(), 26);
    assert!(matches!(
        Mnist::open(dir.path()),
        Err(IdxError::LabelOutOfRange { classes: 10, .. })
    ));
}

#[test]
fn general_idx_types() {
    let body: Vec<u8> = (0..2 * 3 * 2).map(|b| b as u8).collect();
    let a = IdxArray::parse(idx(DType::I16, &[2, 3], &body), Path::new("x")).unwrap();
    assert_eq!(a.dtype(), DType::I16);
    assert_eq!(a.dims(), &[2, 3]);
    assert_eq!(a.body(), &body[..]);
    assert!(!a.is_mapped());

    for (dt, byte, size) in [
        (DType::U8, 0x08, 1),
        (DType::I8, 0x09, 1),
        (DType::I16, 0x0B, 2),
        (DType::I32, 0x0C, 4),
        (DType::F32, 0x0D, 4),
        (DType::F64, 0x0E, 8),
    ] {
        assert_eq!(DType::from_byte(byte), Some(dt));
        assert_eq!(dt.byte(), byte);
        let body = vec![7u8; 5 * size];
        let a = IdxArray::parse(idx(dt, &[5], &body), Path::new("x")).unwrap();
        assert_eq!(a.body().len(), 5 * size);
    }
    // Rank 0: a single element.
    let a = IdxArray::parse(idx(DType::F64, &[], &[1; 8]), Path::new("x")).unwrap();
    assert!(a.dims().is_empty());
    assert_eq!(a.body().len(), 8);
}

// ---------------------------------------------------------------- errors

fn expect_err(r: Result<impl std::fmt::Debug, IdxError>) -> IdxError {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e,
    }
}

/// Replaces one file of a valid raw fixture and opens the dataset.
fn open_with(name: &str, bytes: &[u8]) -> (IdxError, PathBuf, Fixture) {
    let f = raw_fixture();
    let path = f.dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (expect_err(Mnist::open(f.dir.path())), path, f)
}

#[test]
fn err_missing_lists_candidates() {
    let dir = TempDir::new().unwrap();
    let e = expect_err(Mnist::open(dir.path()));
    let IdxError::Missing { looked_for, .. } = &e else {
        panic!("expected Missing, got {e:?}")
    };
    assert_eq!(looked_for.len(), 4);
    let msg = e.to_string();
    assert!(msg.contains("cargo xtask download"), "{msg}");
    assert!(msg.contains("train-images.idx3-ubyte.gz"), "{msg}");
    check_msg(&e, &dir.path().join("train-images-idx3-ubyte"));

    // One missing file among otherwise valid ones.
    let f = raw_fixture();
    std::fs::remove_file(f.dir.path().join("t10k-labels-idx1-ubyte")).unwrap();
    let e = expect_err(Mnist::open(f.dir.path()));
    assert!(matches!(e, IdxError::Missing { .. }), "{e:?}");
    check_msg(&e, &f.dir.path().join("t10k-labels-idx1-ubyte"));

    let p = dir.path().join("nope");
    let e = expect_err(IdxArray::open(&p));
    assert!(matches!(e, IdxError::Missing { .. }), "{e:?}");
    check_msg(&e, &p);
}

#[test]
fn err_io_on_directory() {
    let dir = TempDir::new().unwrap();
    let e = expect_err(IdxArray::open(dir.path()));
    assert!(matches!(e, IdxError::Io { .. }), "{e:?}");
    check_msg(&e, dir.path());
}

#[test]
fn err_bad_magic() {
    let (e, path, _f) = open_with("train-labels-idx1-ubyte", &[0, 1, 8, 1, 0, 0, 0, 7]);
    assert!(
        matches!(e, IdxError::BadMagic { found: [0, 1], .. }),
        "{e:?}"
    );
    check_msg(&e, &path);
    // A gzip stream under a raw name.
    let bytes = gz(&idx_u8(&[1], &[0]));
    let (e, path, _f) = open_with("train-labels-idx1-ubyte", &bytes);
    assert!(
        matches!(
            e,
            IdxError::BadMagic {
                found: [0x1f, 0x8b],
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("gzip"));
    check_msg(&e, &path);
}

#[test]
fn err_unknown_type() {
    let mut bytes = idx_u8(&[7], &[0; 7]);
    bytes[2] = 0x0A;
    let (e, path, _f) = open_with("train-labels-idx1-ubyte", &bytes);
    assert!(
        matches!(e, IdxError::UnknownType { byte: 0x0A, .. }),
        "{e:?}"
    );
    check_msg(&e, &path);
}

#[test]
fn err_wrong_type() {
    let bytes = idx(DType::I8, &[7, ROWS, COLS], &[0; 7 * ROWS * COLS]);
    let (e, path, _f) = open_with("train-images-idx3-ubyte", &bytes);
    assert!(
        matches!(
            e,
            IdxError::WrongType {
                expected: DType::U8,
                found: DType::I8,
                ..
            }
        ),
        "{e:?}"
    );
    check_msg(&e, &path);
}

#[test]
fn err_wrong_rank() {
    let bytes = idx_u8(&[7, ROWS * COLS], &[0; 7 * ROWS * COLS]);
    let (e, path, _f) = open_with("train-images-idx3-ubyte", &bytes);
    assert!(
        matches!(
            e,
            IdxError::WrongRank {
                expected: 3,
                found: 2,
                ..
            }
        ),
        "{e:?}"
    );
    check_msg(&e, &path);

    let bytes = idx_u8(&[5, 1], &[0; 5]);
    let (e, path, _f) = open_with("t10k-labels-idx1-ubyte", &bytes);
    assert!(
        matches!(
            e,
            IdxError::WrongRank {
                expected: 1,
                found: 2,
                ..
            }
        ),
        "{e:?}"
    );
    check_msg(&e, &path);
}

#[test]
fn err_truncated_header() {
    let (e, path, _f) = open_with("train-labels-idx1-ubyte", &[0, 0, 8]);
    assert!(
        matches!(
            e,
            IdxError::TruncatedHeader {
                needed: 4,
                found: 3,
                ..
            }
        ),
        "{e:?}"
    );
    check_msg(&e, &path);

    let (e, path, _f) = open_with("train-images-idx3-ubyte", &[0, 0, 8, 3, 0, 0, 0, 7, 0, 0]);
    assert!(
        matches!(
            e,
            IdxError::TruncatedHeader {
                needed: 16,
                found: 10,
                ..
            }
        ),
        "{e:?}"
    );
    check_msg(&e, &path);

    // An empty file (not mappable) is a truncated header too.
    let (e, path, _f) = open_with("t10k-images-idx3-ubyte", &[]);
    assert!(
        matches!(e, IdxError::TruncatedHeader { found: 0, .. }),
        "{e:?}"
    );
    check_msg(&e, &path);
}

#[test]
fn err_body_size() {
    let (e, path, _f) = open_with("train-labels-idx1-ubyte", &idx_u8(&[7], &[0; 6]));
    assert!(
        matches!(
            e,
            IdxError::BodySize {
                expected: 7,
                found: 6,
                ..
            }
        ),
        "{e:?}"
    );
    check_msg(&e, &path);
    let (e, path, _f) = open_with("train-labels-idx1-ubyte", &idx_u8(&[7], &[0; 8]));
    assert!(
        matches!(
            e,
            IdxError::BodySize {
                expected: 7,
                found: 8,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("imply 7 bytes"));
    check_msg(&e, &path);
}

#[test]
fn err_zero_dim() {
    let (e, path, _f) = open_with("train-images-idx3-ubyte", &idx_u8(&[0, ROWS, COLS], &[]));
    assert!(matches!(e, IdxError::ZeroDim { axis: 0, .. }), "{e:?}");
    check_msg(&e, &path);
    let (e, path, _f) = open_with("t10k-images-idx3-ubyte", &idx_u8(&[5, ROWS, 0], &[]));
    assert!(matches!(e, IdxError::ZeroDim { axis: 2, .. }), "{e:?}");
    check_msg(&e, &path);
}

#[test]
fn err_size_overflow() {
    let m = u32::MAX as usize;
    for dims in [vec![m, m, m], vec![m, m]] {
        let bytes = idx(DType::F64, &dims, &[0; 16]);
        let e = expect_err(IdxArray::parse(bytes, Path::new("/big/file")));
        assert!(matches!(e, IdxError::SizeOverflow { .. }), "{e:?}");
        check_msg(&e, Path::new("/big/file"));
    }
}

#[test]
fn err_count_mismatch() {
    let (e, path, _f) = open_with("t10k-labels-idx1-ubyte", &idx_u8(&[4], &[0; 4]));
    assert!(
        matches!(
            e,
            IdxError::CountMismatch {
                images_count: 5,
                labels_count: 4,
                ..
            }
        ),
        "{e:?}"
    );
    check_msg(&e, &path);
    assert!(e.to_string().contains("t10k-images-idx3-ubyte"));
}

#[test]
fn err_shape_mismatch() {
    let f = raw_fixture();
    let (si, sl) = sample(5, 5, 5, 10, 9);
    write_split(f.dir.path(), "t10k", &si, 5, 5, &sl).unwrap();
    let e = expect_err(Mnist::open(f.dir.path()));
    assert!(
        matches!(
            e,
            IdxError::ShapeMismatch {
                train_shape: (ROWS, COLS),
                test_shape: (5, 5),
                ..
            }
        ),
        "{e:?}"
    );
    check_msg(&e, &f.dir.path().join("t10k-images-idx3-ubyte"));
    assert!(e.to_string().contains("train-images-idx3-ubyte"));
}

#[test]
fn err_label_out_of_range() {
    let (e, path, _f) = open_with(
        "train-labels-idx1-ubyte",
        &idx_u8(&[7], &[1, 2, 10, 3, 200, 0, 0]),
    );
    assert!(
        matches!(
            e,
            IdxError::LabelOutOfRange {
                index: 2,
                value: 10,
                classes: 10,
                ..
            }
        ),
        "{e:?}"
    );
    check_msg(&e, &path);

    let dir = TempDir::new().unwrap();
    write_split(dir.path(), "x", &[0; 4], 2, 2, &[0]).unwrap();
    let e = expect_err(open_split(
        &dir.path().join("x-images-idx3-ubyte"),
        &dir.path().join("x-labels-idx1-ubyte"),
        0,
    ));
    assert!(
        matches!(e, IdxError::LabelOutOfRange { index: 0, .. }),
        "{e:?}"
    );
}

#[test]
fn err_corrupt_gzip() {
    let f = fixture(false, true);
    let path = f.dir.path().join("train-images-idx3-ubyte.gz");
    std::fs::write(&path, b"this is not gzip at all").unwrap();
    let e = expect_err(Mnist::open(f.dir.path()));
    assert!(matches!(e, IdxError::Gzip { .. }), "{e:?}");
    check_msg(&e, &path);

    // A valid stream cut short.
    let good = gz(&idx_u8(&[7, ROWS, COLS], &f.train.0));
    std::fs::write(&path, &good[..good.len() / 2]).unwrap();
    let e = expect_err(Mnist::open(f.dir.path()));
    assert!(matches!(e, IdxError::Gzip { .. }), "{e:?}");

    // A flipped byte in the deflate data or CRC.
    let mut bad = good.clone();
    let n = bad.len();
    bad[n - 6] ^= 0xFF;
    std::fs::write(&path, &bad).unwrap();
    let e = expect_err(Mnist::open(f.dir.path()));
    assert!(matches!(e, IdxError::Gzip { .. }), "{e:?}");
}

/// data/README.md lists the pinned checksums for people checking by hand;
/// they must be the ones the code pins.
#[test]
fn the_data_readme_lists_the_pinned_checksums() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/README.md"))
            .unwrap();
    for f in mnist_idx::MNIST_SHA256 {
        let line = format!("{}  {}", f.sha256, f.name);
        assert!(readme.contains(&line), "data/README.md lacks `{line}`");
    }
}
