//! Checked matrix products over matrixmultiply's sgemm.

/// A read-only `rows x cols` matrix view: element `(r, c)` is `data[r * row_stride + c * col_stride]`.
#[derive(Debug, Clone, Copy)]
pub struct MatRef<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> MatRef<'a> {
    /// A row-major view of the first `rows * cols` values of `data`.
    ///
    /// # Panics
    /// If `data` is shorter than `rows * cols`.
    pub fn new(data: &'a [f32], rows: usize, cols: usize) -> MatRef<'a> {
        MatRef::strided(data, rows, cols, cols, 1)
    }

    /// A view with explicit strides.
    ///
    /// # Panics
    /// If an element of the view lies outside `data` or a stride exceeds `isize::MAX`.
    pub fn strided(
        data: &'a [f32],
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> MatRef<'a> {
        assert!(
            fits(data.len(), rows, cols, row_stride, col_stride),
            "MatRef: a {rows} x {cols} view with strides {row_stride}, {col_stride} does not fit {} values",
            data.len()
        );
        MatRef {
            data,
            rows,
            cols,
            row_stride,
            col_stride,
        }
    }

    /// The transposed view (no copy).
    pub fn t(self) -> MatRef<'a> {
        MatRef {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }

    /// Rows of the view.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns of the view.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Element `(r, c)`.
    ///
    /// # Panics
    /// If `r >= rows` or `c >= cols`.
    pub fn at(&self, r: usize, c: usize) -> f32 {
        assert!(r < self.rows && c < self.cols, "MatRef::at out of range");
        self.data[r * self.row_stride + c * self.col_stride]
    }
}

/// True when every element of a `rows x cols` view lies in `len` values and
/// the strides fit `isize` (checked arithmetic: an overflow is "does not fit").
fn fits(len: usize, rows: usize, cols: usize, rs: usize, cs: usize) -> bool {
    if rs > isize::MAX as usize || cs > isize::MAX as usize {
        return false;
    }
    if rows == 0 || cols == 0 {
        return true;
    }
    let last = (rows - 1)
        .checked_mul(rs)
        .and_then(|a| (cols - 1).checked_mul(cs).and_then(|b| a.checked_add(b)));
    last.is_some_and(|l| l < len)
}

/// `C = A B + beta C` for a row-major `C` of `a.rows() x b.cols()` values
/// (`beta = 0` ignores C's old values, NaN included).
///
/// Each element's sum over `k` runs in an order fixed by `k` alone, so a
/// row block of C computed on its own (rows of A) equals the same rows of the
/// whole product bit for bit.
///
/// # Panics
/// If `a.cols() != b.rows()` or `c.len() != a.rows() * b.cols()`.
pub fn gemm(a: MatRef<'_>, b: MatRef<'_>, beta: f32, c: &mut [f32]) {
    gemm_scaled(1.0, a, b, beta, c);
}

/// `C = alpha A B + beta C`, as [`gemm`] with the product scaled by `alpha`
/// (each element's sum is scaled once, after its last term).
///
/// # Panics
/// As [`gemm`].
pub fn gemm_scaled(alpha: f32, a: MatRef<'_>, b: MatRef<'_>, beta: f32, c: &mut [f32]) {
    assert_eq!(a.cols, b.rows, "gemm: a.cols() != b.rows()");
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(
        Some(c.len()),
        m.checked_mul(n),
        "gemm: c.len() != a.rows() * b.cols()"
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        // matrixmultiply scales C by beta here too; say it plainly.
        for v in c.iter_mut() {
            *v = if beta == 0.0 { 0.0 } else { beta * *v };
        }
        return;
    }
    // SAFETY: MatRef's constructor proved every element (r, c) of A and B lies
    // inside its slice with strides that fit isize; C is an exclusive row-major
    // m x n slice (checked above), addressed with strides n and 1.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            alpha,
            a.data.as_ptr(),
            a.row_stride as isize,
            a.col_stride as isize,
            b.data.as_ptr(),
            b.row_stride as isize,
            b.col_stride as isize,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scale that is a power of two changes no rounding: the scaled
    /// product is the product scaled, exactly; any other is within rounding.
    #[test]
    fn a_scaled_product_is_the_product_scaled() {
        let a: Vec<f32> = (0..5 * 7)
            .map(|i| ((i * 13) % 17) as f32 / 7.0 - 1.0)
            .collect();
        let b: Vec<f32> = (0..7 * 3)
            .map(|i| ((i * 5) % 11) as f32 / 3.0 - 1.5)
            .collect();
        let (am, bm) = (MatRef::new(&a, 5, 7), MatRef::new(&b, 7, 3));
        let mut plain = vec![0.0; 15];
        gemm(am, bm, 0.0, &mut plain);
        for alpha in [0.5f32, 4.0, 0.3] {
            let mut scaled = vec![f32::NAN; 15];
            gemm_scaled(alpha, am, bm, 0.0, &mut scaled);
            for (s, p) in scaled.iter().zip(&plain) {
                if alpha == 0.3 {
                    assert!((s - alpha * p).abs() <= 1e-6 * p.abs().max(1.0), "{s} {p}");
                } else {
                    assert_eq!(*s, alpha * p);
                }
            }
        }
    }

    #[test]
    fn views_that_do_not_fit_are_refused() {
        assert!(fits(6, 2, 3, 3, 1));
        assert!(!fits(5, 2, 3, 3, 1));
        assert!(fits(0, 0, 3, 3, 1));
        assert!(!fits(usize::MAX, 3, 3, usize::MAX / 2, 1));
        assert!(std::panic::catch_unwind(|| MatRef::new(&[0.0; 5], 2, 3)).is_err());
    }
}
