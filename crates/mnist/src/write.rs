//! Encoders for synthetic IDX and `.npy` files, for tests and fixtures.

use std::fs;
use std::io;
use std::path::Path;

use crate::dtype::DType;

/// Encodes an IDX file: header for `dtype` and `dims`, followed by `body` verbatim.
///
/// The body is not checked against `dims`, so deliberately malformed files can be made.
///
/// # Panics
/// If `dims` has more than 255 entries or a dimension exceeds `u32::MAX`.
pub fn idx(dtype: DType, dims: &[usize], body: &[u8]) -> Vec<u8> {
    let rank = u8::try_from(dims.len()).expect("IDX supports at most 255 dimensions");
    let mut out = Vec::with_capacity(4 + 4 * dims.len() + body.len());
    out.extend_from_slice(&[0, 0, dtype.byte(), rank]);
    for &d in dims {
        let d = u32::try_from(d).expect("IDX dimensions must fit in u32");
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(body);
    out
}

/// Encodes an IDX file of u8 elements (see [`idx`]).
///
/// # Panics
/// If `dims` has more than 255 entries or a dimension exceeds `u32::MAX`.
pub fn idx_u8(dims: &[usize], body: &[u8]) -> Vec<u8> {
    idx(DType::U8, dims, body)
}

/// Writes `{prefix}-images-idx3-ubyte` and `{prefix}-labels-idx1-ubyte` (raw) into `dir`.
///
/// `prefix` is normally `"train"` or `"t10k"`. `images` holds the images back to back; the
/// image count written is `images.len() / (rows * cols)` and the label count `labels.len()`,
/// so mismatched inputs produce files that fail validation on open rather than a panic here.
///
/// # Panics
/// If `rows` or `cols` exceeds `u32::MAX`, or a count does.
pub fn write_split(
    dir: impl AsRef<Path>,
    prefix: &str,
    images: &[u8],
    rows: usize,
    cols: usize,
    labels: &[u8],
) -> io::Result<()> {
    let dir = dir.as_ref();
    let pixels = rows.saturating_mul(cols);
    let count = images.len().checked_div(pixels).unwrap_or(labels.len());
    fs::write(
        dir.join(format!("{prefix}-images-idx3-ubyte")),
        idx_u8(&[count, rows, cols], images),
    )?;
    fs::write(
        dir.join(format!("{prefix}-labels-idx1-ubyte")),
        idx_u8(&[labels.len()], labels),
    )
}

/// Encodes a `.npy` file (format version 1.0, as NumPy writes it): a header
/// for `dtype` in the given byte order and memory order and `dims`, padded
/// so the body starts on a 64-byte boundary, followed by `body` verbatim.
///
/// The body is not checked against `dims`, so deliberately malformed files can be made.
///
/// # Panics
/// If the header would exceed 65,535 bytes.
pub fn npy(
    dtype: crate::NpyType,
    big_endian: bool,
    fortran_order: bool,
    dims: &[usize],
    body: &[u8],
) -> Vec<u8> {
    let mut descr = dtype.descr().to_string();
    if big_endian && dtype.size() > 1 {
        descr.replace_range(0..1, ">");
    }
    let shape = match dims {
        [d] => format!("({d},)"),
        _ => format!(
            "({})",
            dims.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let order = if fortran_order { "True" } else { "False" };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape}, }}");
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let len = u16::try_from(header.len()).expect("a version 1.0 header is at most 65,535 bytes");
    let mut out = Vec::with_capacity(10 + header.len() + body.len());
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(body);
    out
}

/// Encodes a `.npz` archive of `.npy` files named `NAME.npy`, stored as
/// `np.savez` writes them or deflated as `np.savez_compressed` does.
///
/// # Panics
/// If the zip writer fails on an in-memory buffer (it does not).
pub fn npz(arrays: &[(&str, Vec<u8>)], compressed: bool) -> Vec<u8> {
    use std::io::Write;
    let method = if compressed {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in arrays {
        zip.start_file(format!("{name}.npy"), options)
            .expect("an in-memory zip takes every file");
        zip.write_all(bytes)
            .expect("an in-memory zip takes every byte");
    }
    zip.finish()
        .expect("an in-memory zip finishes")
        .into_inner()
}
