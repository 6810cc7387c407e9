//! The element types an IDX header names.

/// Element type of an IDX array, as encoded by the header's third byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DType {
    /// Unsigned byte (0x08).
    U8,
    /// Signed byte (0x09).
    I8,
    /// Big-endian 16-bit signed integer (0x0B).
    I16,
    /// Big-endian 32-bit signed integer (0x0C).
    I32,
    /// Big-endian 32-bit float (0x0D).
    F32,
    /// Big-endian 64-bit float (0x0E).
    F64,
}

impl DType {
    /// The element type for a header type byte, if the byte is a defined one.
    pub fn from_byte(byte: u8) -> Option<DType> {
        Some(match byte {
            0x08 => DType::U8,
            0x09 => DType::I8,
            0x0B => DType::I16,
            0x0C => DType::I32,
            0x0D => DType::F32,
            0x0E => DType::F64,
            _ => return None,
        })
    }

    /// The header type byte for this element type.
    pub fn byte(self) -> u8 {
        match self {
            DType::U8 => 0x08,
            DType::I8 => 0x09,
            DType::I16 => 0x0B,
            DType::I32 => 0x0C,
            DType::F32 => 0x0D,
            DType::F64 => 0x0E,
        }
    }

    /// Size of one element in bytes.
    pub fn size(self) -> usize {
        match self {
            DType::U8 | DType::I8 => 1,
            DType::I16 => 2,
            DType::I32 | DType::F32 => 4,
            DType::F64 => 8,
        }
    }
}
