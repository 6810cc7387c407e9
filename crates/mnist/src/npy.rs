//! NumPy `.npy` arrays: header parsing, validation and zero-copy access.
//!
//! A little-endian, C-ordered array (what NumPy writes on every common
//! machine) is memory-mapped and its body borrowed as it lies in the file.
//! A big-endian or Fortran-ordered one is converted once into an owned
//! little-endian, C-ordered body, so every caller reads one layout.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::IdxError;
use crate::storage::{load, Storage};

/// The `.npy` magic string.
const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// Element type of a `.npy` array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NpyType {
    /// `uint8`.
    U8,
    /// `int8`.
    I8,
    /// `uint16`.
    U16,
    /// `int16`.
    I16,
    /// `uint32`.
    U32,
    /// `int32`.
    I32,
    /// `uint64`.
    U64,
    /// `int64`.
    I64,
    /// `float32`.
    F32,
    /// `float64`.
    F64,
}

impl NpyType {
    /// Size of one element in bytes.
    pub fn size(self) -> usize {
        match self {
            NpyType::U8 | NpyType::I8 => 1,
            NpyType::U16 | NpyType::I16 => 2,
            NpyType::U32 | NpyType::I32 | NpyType::F32 => 4,
            NpyType::U64 | NpyType::I64 | NpyType::F64 => 8,
        }
    }

    /// True for the integer types.
    pub fn is_integer(self) -> bool {
        !matches!(self, NpyType::F32 | NpyType::F64)
    }

    /// The little-endian `descr` NumPy writes for this type (`<f4`, `|u1`).
    pub fn descr(self) -> &'static str {
        match self {
            NpyType::U8 => "|u1",
            NpyType::I8 => "|i1",
            NpyType::U16 => "<u2",
            NpyType::I16 => "<i2",
            NpyType::U32 => "<u4",
            NpyType::I32 => "<i4",
            NpyType::U64 => "<u8",
            NpyType::I64 => "<i8",
            NpyType::F32 => "<f4",
            NpyType::F64 => "<f8",
        }
    }

    /// The type and whether it is big-endian, for a header's `descr`.
    fn parse(descr: &str) -> Option<(NpyType, bool)> {
        let (order, rest) = match descr.as_bytes().first()? {
            b'<' | b'|' | b'=' => (false, &descr[1..]),
            b'>' => (true, &descr[1..]),
            _ => (false, descr),
        };
        let t = match rest {
            "u1" | "B" => NpyType::U8,
            "i1" | "b" => NpyType::I8,
            "u2" => NpyType::U16,
            "i2" => NpyType::I16,
            "u4" => NpyType::U32,
            "i4" => NpyType::I32,
            "u8" => NpyType::U64,
            "i8" => NpyType::I64,
            "f4" => NpyType::F32,
            "f8" => NpyType::F64,
            _ => return None,
        };
        Some((t, order && t.size() > 1))
    }
}

impl fmt::Display for NpyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NpyType::U8 => "uint8",
            NpyType::I8 => "int8",
            NpyType::U16 => "uint16",
            NpyType::I16 => "int16",
            NpyType::U32 => "uint32",
            NpyType::I32 => "int32",
            NpyType::U64 => "uint64",
            NpyType::I64 => "int64",
            NpyType::F32 => "float32",
            NpyType::F64 => "float64",
        })
    }
}

/// A validated `.npy` array: element type, shape, and a little-endian,
/// C-ordered body.
#[derive(Debug)]
pub struct NpyArray {
    path: PathBuf,
    dtype: NpyType,
    dims: Vec<usize>,
    body_start: usize,
    storage: Storage,
}

impl NpyArray {
    /// Opens and validates a `.npy` file: memory-mapped when little-endian
    /// and C-ordered, converted into memory otherwise (`.gz` files are
    /// decompressed into memory).
    pub fn open(path: impl AsRef<Path>) -> Result<NpyArray, IdxError> {
        let path = path.as_ref();
        Self::from_storage(load(path)?, path)
    }

    /// Validates an in-memory `.npy` file; `path` is only used in error messages.
    pub fn parse(bytes: Vec<u8>, path: &Path) -> Result<NpyArray, IdxError> {
        Self::from_storage(Storage::Owned(bytes), path)
    }

    pub(crate) fn from_storage(storage: Storage, path: &Path) -> Result<NpyArray, IdxError> {
        let header = parse_header(&storage, path)?;
        let body = &storage[header.len..];
        let expected = header
            .dims
            .iter()
            .try_fold(header.dtype.size(), |acc, &d| acc.checked_mul(d))
            .filter(|&n| n <= isize::MAX as usize)
            .ok_or_else(|| IdxError::SizeOverflow {
                path: path.to_path_buf(),
                dims: header.dims.clone(),
            })?;
        if body.len() != expected {
            return Err(IdxError::BodySize {
                path: path.to_path_buf(),
                dims: header.dims,
                expected,
                found: body.len(),
            });
        }
        let (storage, body_start) = if header.big_endian || header.fortran {
            let mut owned = body.to_vec();
            if header.big_endian {
                for element in owned.chunks_exact_mut(header.dtype.size()) {
                    element.reverse();
                }
            }
            if header.fortran {
                owned = fortran_to_c(&owned, &header.dims, header.dtype.size());
            }
            (Storage::Owned(owned), 0)
        } else {
            (storage, header.len)
        };
        Ok(NpyArray {
            path: path.to_path_buf(),
            dtype: header.dtype,
            dims: header.dims,
            body_start,
            storage,
        })
    }

    /// Element type.
    pub fn dtype(&self) -> NpyType {
        self.dtype
    }

    /// Shape, outermost first (empty for a scalar).
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }

    /// Elements in C order, little-endian.
    pub fn body(&self) -> &[u8] {
        &self.storage[self.body_start..]
    }

    /// The path the array was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the body is borrowed from a memory mapping of the file.
    pub fn is_mapped(&self) -> bool {
        self.storage.is_mapped()
    }

    /// Element `i` (in C order) as an `f64`, exact for every type but 64-bit integers above 2^53.
    ///
    /// # Panics
    /// If `i` is not below the element count.
    pub fn get_f64(&self, i: usize) -> f64 {
        match self.dtype {
            NpyType::F32 => f32::from_bits(self.raw(i) as u32) as f64,
            NpyType::F64 => f64::from_bits(self.raw(i)),
            _ => self.get_int(i) as f64,
        }
    }

    /// Element `i` (in C order) as an `i128`, for the integer types.
    ///
    /// # Panics
    /// If `i` is not below the element count, or the type is a float.
    pub fn get_int(&self, i: usize) -> i128 {
        assert!(self.dtype.is_integer(), "get_int of a {} array", self.dtype);
        let u = self.raw(i);
        match self.dtype {
            NpyType::I8 => i128::from(u as u8 as i8),
            NpyType::I16 => i128::from(u as u16 as i16),
            NpyType::I32 => i128::from(u as u32 as i32),
            NpyType::I64 => i128::from(u as i64),
            _ => i128::from(u),
        }
    }

    /// Element `i`'s bytes, zero-extended into a `u64`.
    fn raw(&self, i: usize) -> u64 {
        let size = self.dtype.size();
        let mut eight = [0u8; 8];
        eight[..size].copy_from_slice(&self.body()[i * size..(i + 1) * size]);
        u64::from_le_bytes(eight)
    }
}

/// What a `.npy` header says.
struct Header {
    dtype: NpyType,
    big_endian: bool,
    fortran: bool,
    dims: Vec<usize>,
    /// Bytes before the body: magic, version, length and the dictionary.
    len: usize,
}

fn parse_header(bytes: &[u8], path: &Path) -> Result<Header, IdxError> {
    let bad = |problem: String| IdxError::NpyHeader {
        path: path.to_path_buf(),
        problem,
    };
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(IdxError::NotNpy {
            path: path.to_path_buf(),
        });
    }
    let (start, dict_len): (usize, Option<usize>) = match bytes.get(6) {
        Some(1) => (
            10,
            bytes
                .get(8..10)
                .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]]))),
        ),
        Some(2) | Some(3) => (
            12,
            bytes
                .get(8..12)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize),
        ),
        Some(v) => {
            return Err(bad(format!(
                "version {v} is not one NumPy writes (1, 2 or 3)"
            )))
        }
        None => return Err(bad("the file ends inside the version".into())),
    };
    let dict_len = dict_len.ok_or_else(|| bad("the file ends inside the header length".into()))?;
    let len = start
        .checked_add(dict_len)
        .filter(|&end| end <= bytes.len())
        .ok_or_else(|| {
            bad(format!(
                "the header says it is {dict_len} bytes long but the file ends {} bytes after its start",
                bytes.len() - start.min(bytes.len())
            ))
        })?;
    let text = std::str::from_utf8(&bytes[start..len])
        .map_err(|_| bad("the header is not text".into()))?;
    let dict = Dict::parse(text).map_err(bad)?;
    let descr = dict.descr.ok_or_else(|| bad("no 'descr' key".into()))?;
    let (dtype, big_endian) = NpyType::parse(&descr).ok_or_else(|| IdxError::NpyDtype {
        path: path.to_path_buf(),
        descr: descr.clone(),
    })?;
    let fortran = dict
        .fortran_order
        .ok_or_else(|| bad("no 'fortran_order' key".into()))?;
    let dims = dict.shape.ok_or_else(|| bad("no 'shape' key".into()))?;
    if let Some(axis) = dims.iter().position(|&d| d == 0) {
        return Err(IdxError::ZeroDim {
            path: path.to_path_buf(),
            axis,
            dims,
        });
    }
    Ok(Header {
        dtype,
        big_endian,
        fortran,
        dims,
        len,
    })
}

/// The three keys of a `.npy` header's dictionary, as parsed.
#[derive(Default)]
struct Dict {
    descr: Option<String>,
    fortran_order: Option<bool>,
    shape: Option<Vec<usize>>,
}

impl Dict {
    /// Parses the Python dictionary literal NumPy writes:
    /// `{'descr': '<f4', 'fortran_order': False, 'shape': (60000, 784), }`.
    fn parse(text: &str) -> Result<Dict, String> {
        let mut p = Cursor {
            s: text.as_bytes(),
            at: 0,
        };
        let mut dict = Dict::default();
        p.expect(b'{')?;
        loop {
            p.skip_space();
            if p.eat(b'}') {
                break;
            }
            let key = p.string()?;
            p.expect(b':')?;
            match key.as_str() {
                "descr" => dict.descr = Some(p.descr()?),
                "fortran_order" => dict.fortran_order = Some(p.boolean()?),
                "shape" => dict.shape = Some(p.tuple()?),
                other => return Err(format!("unknown key '{other}'")),
            }
            p.skip_space();
            if !p.eat(b',') {
                p.expect(b'}')?;
                break;
            }
        }
        p.skip_space();
        if p.at != p.s.len() {
            return Err("text after the dictionary".into());
        }
        Ok(dict)
    }
}

/// A position in a header's text.
struct Cursor<'a> {
    s: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn skip_space(&mut self) {
        while self.s.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip_space();
        if self.s.get(self.at) == Some(&c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!(
                "expected '{}' at byte {} of the dictionary",
                c as char, self.at
            ))
        }
    }

    /// A quoted string, `'...'` or `"..."`, without escapes.
    fn string(&mut self) -> Result<String, String> {
        self.skip_space();
        let quote = match self.s.get(self.at) {
            Some(&q @ (b'\'' | b'"')) => q,
            _ => return Err(format!("expected a quoted key at byte {}", self.at)),
        };
        let start = self.at + 1;
        let len = self.s[start..]
            .iter()
            .position(|&c| c == quote)
            .ok_or("a string is not closed")?;
        self.at = start + len + 1;
        Ok(String::from_utf8_lossy(&self.s[start..start + len]).into_owned())
    }

    /// The `descr` value: a string (a structured type's list is refused by name).
    fn descr(&mut self) -> Result<String, String> {
        self.skip_space();
        if self.s.get(self.at) == Some(&b'[') {
            return Err("'descr' is a structured type (a record array); store plain arrays".into());
        }
        self.string()
    }

    fn boolean(&mut self) -> Result<bool, String> {
        self.skip_space();
        for (word, value) in [(&b"True"[..], true), (&b"False"[..], false)] {
            if self.s[self.at..].starts_with(word) {
                self.at += word.len();
                return Ok(value);
            }
        }
        Err("'fortran_order' is neither True nor False".into())
    }

    /// A tuple of non-negative integers: `()`, `(5,)`, `(60000, 28, 28)`.
    fn tuple(&mut self) -> Result<Vec<usize>, String> {
        self.expect(b'(')?;
        let mut dims = Vec::new();
        loop {
            self.skip_space();
            if self.eat(b')') {
                return Ok(dims);
            }
            let start = self.at;
            while self.s.get(self.at).is_some_and(u8::is_ascii_digit) {
                self.at += 1;
            }
            let digits = std::str::from_utf8(&self.s[start..self.at]).unwrap_or("");
            let d: usize = digits.parse().map_err(|_| {
                format!("'shape' holds something other than a size at byte {start}")
            })?;
            dims.push(d);
            if !self.eat(b',') {
                self.expect(b')')?;
                return Ok(dims);
            }
        }
    }
}

/// The C-ordered copy of a Fortran-ordered body of `dims` with `size`-byte elements.
fn fortran_to_c(body: &[u8], dims: &[usize], size: usize) -> Vec<u8> {
    let mut out = vec![0u8; body.len()];
    let count = body.len() / size;
    // Fortran strides: the first index moves fastest.
    let mut strides = vec![1usize; dims.len()];
    for k in 1..dims.len() {
        strides[k] = strides[k - 1] * dims[k - 1];
    }
    let mut index = vec![0usize; dims.len()];
    for c in 0..count {
        let f: usize = index.iter().zip(&strides).map(|(i, s)| i * s).sum();
        out[c * size..(c + 1) * size].copy_from_slice(&body[f * size..(f + 1) * size]);
        // The next C-order index: the last index moves fastest.
        for k in (0..dims.len()).rev() {
            index[k] += 1;
            if index[k] < dims[k] {
                break;
            }
            index[k] = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write;
    use proptest::prelude::*;

    fn parse(bytes: Vec<u8>) -> Result<NpyArray, IdxError> {
        NpyArray::parse(bytes, Path::new("x.npy"))
    }

    /// The bytes NumPy 1.x writes for `np.save(f, np.arange(6, dtype=np.uint8).reshape(2, 3))`.
    #[test]
    fn reads_what_numpy_writes() {
        let dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }";
        let mut header = dict.to_string();
        while !(10 + header.len() + 1).is_multiple_of(64) {
            header.push(' ');
        }
        header.push('\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(&[0, 1, 2, 3, 4, 5]);
        let a = parse(bytes.clone()).unwrap();
        assert_eq!((a.dtype(), a.dims()), (NpyType::U8, &[2usize, 3][..]));
        assert_eq!(a.body(), &[0, 1, 2, 3, 4, 5]);
        assert_eq!(
            bytes,
            write::npy(NpyType::U8, false, false, &[2, 3], &[0, 1, 2, 3, 4, 5])
        );
    }

    #[test]
    fn big_endian_and_fortran_order_read_as_little_endian_c_order() {
        // A 2x3 int16 array [[1, 2, 3], [4, 5, 6]].
        let c: Vec<u8> = [1i16, 2, 3, 4, 5, 6]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let be: Vec<u8> = [1i16, 2, 3, 4, 5, 6]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        let f: Vec<u8> = [1i16, 4, 2, 5, 3, 6]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let fbe: Vec<u8> = [1i16, 4, 2, 5, 3, 6]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        for (big, fortran, body) in [
            (false, false, &c),
            (true, false, &be),
            (false, true, &f),
            (true, true, &fbe),
        ] {
            let a = parse(write::npy(NpyType::I16, big, fortran, &[2, 3], body)).unwrap();
            assert_eq!(a.body(), &c[..], "big {big} fortran {fortran}");
            assert_eq!(a.get_int(4), 5);
        }
    }

    #[test]
    fn each_malformed_file_is_its_own_error_naming_the_file() {
        let good = write::npy(NpyType::F32, false, false, &[2], &[0; 8]);
        let with_dict = |dict: &str| {
            let mut b = b"\x93NUMPY\x01\x00".to_vec();
            b.extend_from_slice(&(dict.len() as u16).to_le_bytes());
            b.extend_from_slice(dict.as_bytes());
            b.extend_from_slice(&[0; 8]);
            b
        };
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"PK\x03\x04rest".to_vec(), "not a .npy file"),
            (good[..9].to_vec(), "header length"),
            (good[..20].to_vec(), "file ends"),
            ([&good[..6], &[4u8, 0], &good[8..]].concat(), "version 4"),
            (good[..good.len() - 1].to_vec(), "body is 7 bytes"),
            ([&good[..], &[0u8]].concat(), "body is 9 bytes"),
            (
                with_dict("{'descr': '<U10', 'fortran_order': False, 'shape': (2,), }"),
                "'<U10'",
            ),
            (
                with_dict("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }"),
                "structured",
            ),
            (
                with_dict("{'descr': '<f4', 'shape': (2,), }"),
                "no 'fortran_order'",
            ),
            (
                with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }"),
                "'shape'",
            ),
            (
                with_dict("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }"),
                "neither True",
            ),
            (
                with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 2), }"),
                "dimension 0 is zero",
            ),
        ];
        for (bytes, says) in cases {
            let e = parse(bytes).unwrap_err().to_string();
            assert!(e.starts_with("x.npy: ") && e.contains(says), "{says}: {e}");
            assert!(!e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn little_endian_c_order_files_are_mapped_and_others_converted() {
        let dir = tempfile::tempdir().unwrap();
        let body: Vec<u8> = [1.5f32, -2.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let le = dir.path().join("le.npy");
        std::fs::write(&le, write::npy(NpyType::F32, false, false, &[2], &body)).unwrap();
        let a = NpyArray::open(&le).unwrap();
        assert!(a.is_mapped());
        assert_eq!((a.get_f64(0), a.get_f64(1)), (1.5, -2.0));
        let be_body: Vec<u8> = [1.5f32, -2.0]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        let be = dir.path().join("be.npy");
        std::fs::write(&be, write::npy(NpyType::F32, true, false, &[2], &be_body)).unwrap();
        let b = NpyArray::open(&be).unwrap();
        assert!(!b.is_mapped());
        assert_eq!(b.body(), a.body());
    }

    fn any_type() -> impl Strategy<Value = NpyType> {
        prop::sample::select(vec![
            NpyType::U8,
            NpyType::I8,
            NpyType::U16,
            NpyType::I16,
            NpyType::U32,
            NpyType::I32,
            NpyType::U64,
            NpyType::I64,
            NpyType::F32,
            NpyType::F64,
        ])
    }

    proptest! {
        /// Any array written in any layout reads back as its C-ordered, little-endian body.
        #[test]
        fn every_layout_round_trips(
            t in any_type(),
            dims in prop::collection::vec(1usize..5, 0..4),
            seed in any::<u64>(),
            big in any::<bool>(),
            fortran in any::<bool>(),
        ) {
            let count: usize = dims.iter().product();
            let c: Vec<u8> = (0..count * t.size())
                .map(|i| (seed.wrapping_mul(i as u64 + 1) >> 7) as u8)
                .collect();
            let mut stored = c.clone();
            if fortran {
                stored = c_to_fortran(&stored, &dims, t.size());
            }
            if big {
                for e in stored.chunks_exact_mut(t.size()) {
                    e.reverse();
                }
            }
            let a = parse(write::npy(t, big, fortran, &dims, &stored)).unwrap();
            prop_assert_eq!(a.dims(), &dims[..]);
            prop_assert_eq!(a.body(), &c[..]);
        }

        /// No bytes make the reader panic: a valid file cut or changed anywhere
        /// is read or refused.
        #[test]
        fn damaged_files_are_refused_not_panics(
            cut in 0usize..200,
            flips in prop::collection::vec((0usize..200, any::<u8>()), 0..4),
        ) {
            let mut b = write::npy(NpyType::I32, false, false, &[3, 2], &[7; 24]);
            for (at, v) in flips {
                if let Some(x) = b.get_mut(at) {
                    *x = v;
                }
            }
            b.truncate(cut.min(b.len()));
            let _ = parse(b);
        }
    }

    /// The Fortran-ordered copy of a C-ordered body (the test's own inverse of `fortran_to_c`).
    fn c_to_fortran(body: &[u8], dims: &[usize], size: usize) -> Vec<u8> {
        let mut out = vec![0u8; body.len()];
        let count = body.len() / size;
        for c in 0..count {
            // The multi-index of C position c, then its Fortran position.
            let mut rest = c;
            let mut index = vec![0usize; dims.len()];
            for k in (0..dims.len()).rev() {
                index[k] = rest % dims[k];
                rest /= dims[k];
            }
            let mut f = 0;
            for k in (0..dims.len()).rev() {
                f = f * dims[k] + index[k];
            }
            out[f * size..(f + 1) * size].copy_from_slice(&body[c * size..(c + 1) * size]);
        }
        out
    }
}
