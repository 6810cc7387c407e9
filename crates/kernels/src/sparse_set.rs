//! Sparse vectors checked once and indexed by row tile, for [`crate::block_pass`].
//!
//! A block pass walks the matrix in tiles of `TILE_ROWS` rows and needs each
//! slot's entries inside every tile. Finding those boundaries (and checking
//! that the indices are increasing and in range) on every pass cost about a
//! sixth of a training step; both depend only on the vector, so a set does
//! them once when a vector is added.

use crate::deferred::TILE_ROWS;
use crate::Sparse;

/// Sparse vectors of length `dim`, each validated once (strictly increasing
/// indices below `dim`) and indexed by row tile for [`crate::block_pass`].
#[derive(Debug, Clone, PartialEq)]
pub struct SparseSet {
    dim: usize,
    /// Vector `i`'s entries are `offsets[i]..offsets[i + 1]` of `idx` and `vals`.
    offsets: Vec<usize>,
    idx: Vec<u32>,
    vals: Vec<f32>,
    /// Per vector, `tiles_per_vector() + 1` entry offsets (relative to the
    /// vector's first entry) where each row tile starts; the last is its length.
    tile_starts: Vec<u32>,
}

/// One vector of a [`SparseSet`], as [`crate::block_pass`] takes it.
#[derive(Debug, Clone, Copy)]
pub struct TiledSparse<'a> {
    pub(crate) idx: &'a [u32],
    pub(crate) vals: &'a [f32],
    /// `tiles + 1` offsets into `idx`.
    pub(crate) tile_starts: &'a [u32],
    /// Length of the vector: every index is below it.
    pub(crate) dim: usize,
}

/// The tile starts of a vector with no entries (any length).
static NO_ENTRIES: [u32; 1] = [0];

impl TiledSparse<'static> {
    /// A vector with no entries (an update or read that changes nothing).
    pub const EMPTY: TiledSparse<'static> = TiledSparse {
        idx: &[],
        vals: &[],
        tile_starts: &NO_ENTRIES,
        dim: 0,
    };
}

impl<'a> TiledSparse<'a> {
    /// Its non-zero indices and values.
    pub fn entries(&self) -> Sparse<'a> {
        (self.idx, self.vals)
    }

    /// Row tiles it has boundaries for.
    pub(crate) fn tiles(&self) -> usize {
        self.tile_starts.len() - 1
    }
}

impl Default for SparseSet {
    /// An empty set of vectors of length 0.
    fn default() -> SparseSet {
        SparseSet::new(0)
    }
}

impl SparseSet {
    /// An empty set of vectors of length `dim`.
    pub fn new(dim: usize) -> SparseSet {
        SparseSet {
            dim,
            // Vector `i` ends at `offsets[i + 1]`: the list always starts with 0.
            offsets: vec![0],
            idx: Vec::new(),
            vals: Vec::new(),
            tile_starts: Vec::new(),
        }
    }

    /// An empty set with room for `vectors` vectors and `entries` entries in all.
    pub fn with_capacity(dim: usize, vectors: usize, entries: usize) -> SparseSet {
        let mut set = SparseSet::new(dim);
        set.offsets.reserve(vectors);
        set.idx.reserve(entries);
        set.vals.reserve(entries);
        set.tile_starts
            .reserve(vectors * (set.tiles_per_vector() + 1));
        set
    }

    /// Removes every vector, keeping the buffers (refilling allocates nothing
    /// once they have grown to a batch's size).
    pub fn clear(&mut self) {
        self.offsets.truncate(1);
        self.idx.clear();
        self.vals.clear();
        self.tile_starts.clear();
    }

    /// Length of every vector.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// True when the set holds no vector.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Non-zero entries over all vectors.
    pub fn entries(&self) -> usize {
        self.idx.len()
    }

    fn tiles_per_vector(&self) -> usize {
        self.dim.div_ceil(TILE_ROWS)
    }

    /// Appends the vector with non-zero entries `idx[k], vals[k]`.
    ///
    /// # Panics
    /// If the lengths differ, or the indices are not strictly increasing or
    /// not below [`SparseSet::dim`].
    pub fn push(&mut self, idx: &[u32], vals: &[f32]) {
        assert_eq!(
            idx.len(),
            vals.len(),
            "SparseSet::push: idx.len() != vals.len()"
        );
        crate::check_idx("SparseSet::push", idx, self.dim);
        assert!(
            u32::try_from(idx.len()).is_ok(),
            "SparseSet::push: more than u32::MAX entries"
        );
        let start = self.idx.len();
        self.idx.extend_from_slice(idx);
        self.vals.extend_from_slice(vals);
        self.close_vector(start);
    }

    /// Appends the non-zero entries of the dense vector `row`.
    ///
    /// # Panics
    /// If `row.len() != dim()`.
    pub fn push_dense(&mut self, row: &[f32]) {
        assert_eq!(
            row.len(),
            self.dim,
            "SparseSet::push_dense: row.len() != dim"
        );
        let start = self.idx.len();
        for (i, &v) in row.iter().enumerate() {
            if v != 0.0 {
                self.idx.push(i as u32);
                self.vals.push(v);
            }
        }
        self.close_vector(start);
    }

    /// Ends the vector whose entries start at `start`: its tile starts and offset.
    fn close_vector(&mut self, start: usize) {
        let tiles = self.tiles_per_vector();
        let idx = &self.idx[start..];
        let mut k = 0;
        for t in 0..tiles {
            self.tile_starts.push(k as u32);
            let end = (t + 1) * TILE_ROWS;
            while k < idx.len() && (idx[k] as usize) < end {
                k += 1;
            }
        }
        self.tile_starts.push(idx.len() as u32);
        self.offsets.push(self.idx.len());
    }

    /// Vector `i`'s non-zero indices (increasing) and values.
    ///
    /// # Panics
    /// If `i >= len()`.
    #[inline]
    pub fn get(&self, i: usize) -> Sparse<'_> {
        let (a, b) = (self.offsets[i], self.offsets[i + 1]);
        (&self.idx[a..b], &self.vals[a..b])
    }

    /// Vector `i` as [`crate::block_pass`] takes it.
    ///
    /// # Panics
    /// If `i >= len()`.
    #[inline]
    pub fn tiled(&self, i: usize) -> TiledSparse<'_> {
        let (idx, vals) = self.get(i);
        let per = self.tiles_per_vector() + 1;
        TiledSparse {
            idx,
            vals,
            tile_starts: &self.tile_starts[i * per..(i + 1) * per],
            dim: self.dim,
        }
    }

    /// Hints that vector `i` will be read soon, so its entries and tile starts
    /// are brought toward the core ahead of the pass that reads them.
    ///
    /// A pass reads each of its vectors a tile's worth at a time, interleaved
    /// with a dozen other vectors: too many streams for the hardware
    /// prefetchers, so without this each cache line of a vector not read
    /// recently waits on memory.
    ///
    /// # Panics
    /// If `i >= len()`.
    #[inline]
    pub fn prefetch(&self, i: usize) {
        let (a, b) = (self.offsets[i], self.offsets[i + 1]);
        let per = self.tiles_per_vector() + 1;
        crate::prefetch(&self.idx[a..b]);
        crate::prefetch(&self.vals[a..b]);
        crate::prefetch(&self.tile_starts[i * per..(i + 1) * per]);
    }

    /// Bytes of heap the set holds.
    pub fn heap_bytes(&self) -> usize {
        self.offsets.len() * std::mem::size_of::<usize>()
            + self.idx.len() * 4
            + self.vals.len() * 4
            + self.tile_starts.len() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_starts_split_entries_at_every_tile_boundary() {
        let dim = 3 * TILE_ROWS + 5;
        let lists: [&[u32]; 4] = [
            &[],
            &[0, 1, 63, 64, 196],
            &[(3 * TILE_ROWS) as u32, (3 * TILE_ROWS + 4) as u32],
            &[5, 70, 140, 150, 193],
        ];
        let mut set = SparseSet::new(dim);
        for idx in lists {
            let vals: Vec<f32> = idx.iter().map(|&i| i as f32).collect();
            set.push(idx, &vals);
        }
        assert_eq!(set.len(), 4);
        assert_eq!(set.entries(), 12);
        for (i, idx) in lists.iter().enumerate() {
            let v = set.tiled(i);
            assert_eq!(v.entries().0, *idx);
            assert_eq!(v.tiles(), 4);
            for t in 0..v.tiles() {
                let seg = &idx[v.tile_starts[t] as usize..v.tile_starts[t + 1] as usize];
                assert!(
                    seg.iter().all(|&r| (r as usize) / TILE_ROWS == t),
                    "vector {i} tile {t}: {seg:?}"
                );
            }
            assert_eq!(v.tile_starts[0], 0);
            assert_eq!(v.tile_starts[v.tiles()] as usize, idx.len());
        }
    }

    #[test]
    fn default_is_an_empty_set_that_takes_vectors() {
        let mut set = SparseSet::default();
        assert_eq!((set.len(), set.is_empty(), set.dim()), (0, true, 0));
        set.push(&[], &[]);
        assert_eq!(set.len(), 1);
        assert_eq!(set.get(0), (&[][..], &[][..]));
    }

    #[test]
    #[should_panic(expected = "strictly increasing")]
    fn push_rejects_unsorted_indices() {
        SparseSet::new(8).push(&[3, 2], &[1.0, 1.0]);
    }

    #[test]
    #[should_panic(expected = "out of range")]
    fn push_rejects_indices_past_dim() {
        SparseSet::new(8).push(&[3, 8], &[1.0, 1.0]);
    }
}
