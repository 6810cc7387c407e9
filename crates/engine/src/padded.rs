//! Row-major matrices whose rows start on vector boundaries.
//!
//! A 300-float row is 1200 bytes, so with the row stride equal to the row
//! length every other row starts mid-vector and half of the sparse kernels'
//! vector loads straddle two cache lines, which costs this core a second load.
//! Padding the stride to whole vectors and starting the storage on a cache
//! line keeps every row's loads aligned; the padding columns stay zero.

/// Bytes the first row is aligned to (a cache line; covers every vector width).
const ALIGN_BYTES: usize = 64;
const ALIGN_FLOATS: usize = ALIGN_BYTES / std::mem::size_of::<f32>();

/// A `rows x cols` matrix stored with row stride [`PaddedRows::stride`] (zero padding).
pub(crate) struct PaddedRows {
    buf: Vec<f32>,
    /// Offset of the first row in `buf` (its first 64-byte boundary).
    start: usize,
    rows: usize,
    cols: usize,
    stride: usize,
}

impl PaddedRows {
    /// A zero matrix whose stride is `cols` rounded up to the active path's vector length.
    pub(crate) fn zeros(rows: usize, cols: usize) -> PaddedRows {
        let lanes = mlp_kernels::vector_floats().max(1);
        let stride = cols.div_ceil(lanes) * lanes;
        let buf = vec![0.0f32; rows * stride + ALIGN_FLOATS];
        let misalign = (buf.as_ptr() as usize % ALIGN_BYTES) / std::mem::size_of::<f32>();
        let start = (ALIGN_FLOATS - misalign) % ALIGN_FLOATS;
        PaddedRows {
            buf,
            start,
            rows,
            cols,
            stride,
        }
    }

    /// A padded copy of the row-major `rows x cols` matrix `src`.
    pub(crate) fn from_rows(src: &[f32], cols: usize) -> PaddedRows {
        let rows = src.len().checked_div(cols).unwrap_or(0);
        let mut m = PaddedRows::zeros(rows, cols);
        if cols > 0 {
            for (r, row) in src.chunks_exact(cols).enumerate() {
                m.row_mut(r).copy_from_slice(row);
            }
        }
        m
    }

    /// Floats from one row's start to the next's.
    pub(crate) fn stride(&self) -> usize {
        self.stride
    }

    /// The whole storage, padding included (`rows x stride`).
    pub(crate) fn as_slice(&self) -> &[f32] {
        &self.buf[self.start..self.start + self.rows * self.stride]
    }

    /// The whole storage, padding included, mutably. Padding must stay zero.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [f32] {
        &mut self.buf[self.start..self.start + self.rows * self.stride]
    }

    /// Row `r`'s `cols` floats.
    pub(crate) fn row(&self, r: usize) -> &[f32] {
        let at = self.start + r * self.stride;
        &self.buf[at..at + self.cols]
    }

    /// Row `r`'s `cols` floats, mutably.
    pub(crate) fn row_mut(&mut self, r: usize) -> &mut [f32] {
        let at = self.start + r * self.stride;
        &mut self.buf[at..at + self.cols]
    }

    /// Copies the matrix into the unpadded row-major `dst` (`rows x cols`).
    pub(crate) fn copy_to(&self, dst: &mut [f32]) {
        if self.cols == 0 {
            return;
        }
        for (r, row) in dst.chunks_exact_mut(self.cols).enumerate() {
            row.copy_from_slice(self.row(r));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_aligned_padded_with_zeros_and_round_trip() {
        for cols in [1, 7, 8, 9, 300, 500, 1000] {
            let rows = 5;
            let src: Vec<f32> = (0..rows * cols).map(|i| i as f32 + 1.0).collect();
            let m = PaddedRows::from_rows(&src, cols);
            let lanes = mlp_kernels::vector_floats();
            assert!(
                m.stride() >= cols && m.stride().is_multiple_of(lanes) && m.stride() - cols < lanes
            );
            assert_eq!(m.as_slice().as_ptr() as usize % ALIGN_BYTES, 0);
            assert_eq!(m.as_slice().len(), rows * m.stride());
            for r in 0..rows {
                assert_eq!(m.row(r), &src[r * cols..(r + 1) * cols]);
                let pad = &m.as_slice()[r * m.stride() + cols..(r + 1) * m.stride()];
                assert!(pad.iter().all(|&v| v == 0.0));
            }
            let mut back = vec![f32::NAN; rows * cols];
            m.copy_to(&mut back);
            assert_eq!(back, src);
        }
    }
}
