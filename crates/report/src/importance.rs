//! Hyperparameter importance: the share of the variance of a sweep's
//! validation error that each field explains on its own, by functional
//! ANOVA over a random forest (Hutter, Hoos and Leyton-Brown, ICML 2014,
//! "An efficient approach for assessing hyperparameter importance").
//!
//! Each run is a point of the unit cube, one coordinate per field (numbers
//! scaled to `[0, 1]`, on a log scale when they span two decades or more;
//! other values by their sorted order). A forest of regression trees fitted
//! to the errors cuts the cube into boxes, each with a constant prediction.
//! For one tree, the variance of its prediction over the cube is the sum
//! over boxes of volume times squared deviation, and a field's main effect
//! is the prediction averaged over every other field, a step function of
//! that field alone, whose variance over the field's range is exact too. A
//! field's importance is its main effect's variance over the total, averaged
//! over the trees. What the shares leave to 100% is explained by fields
//! together (interactions).

/// One regression tree, as boxes of the unit cube with their predictions.
struct Leaf {
    lo: Vec<f64>,
    hi: Vec<f64>,
    value: f64,
}

/// A small deterministic generator (xorshift64*), so that the same runs give the same shares.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Trees in the forest.
const TREES: usize = 64;
/// A node with fewer samples is a leaf.
const MIN_SPLIT: usize = 4;

/// Grows a tree on samples `rows` of `x`/`y` inside the box `lo..hi`, pushing its leaves.
fn grow(
    x: &[Vec<f64>],
    y: &[f64],
    rows: &mut [usize],
    (lo, hi): (Vec<f64>, Vec<f64>),
    leaves: &mut Vec<Leaf>,
) {
    let mean = rows.iter().map(|&r| y[r]).sum::<f64>() / rows.len() as f64;
    let mut best: Option<(f64, usize, f64)> = None;
    if rows.len() >= MIN_SPLIT {
        // Every field at every node (the trees differ by their bootstrap
        // samples): a field chosen only for want of the right one would
        // show as an interaction that is not there.
        // `d` names a column of every row, not a place in one slice.
        #[allow(clippy::needless_range_loop)]
        for d in 0..lo.len() {
            rows.sort_by(|&a, &b| x[a][d].total_cmp(&x[b][d]));
            let total: f64 = rows.iter().map(|&r| y[r]).sum();
            let total_sq: f64 = rows.iter().map(|&r| y[r] * y[r]).sum();
            let (mut left, mut left_sq) = (0.0, 0.0);
            for k in 1..rows.len() {
                let v = y[rows[k - 1]];
                left += v;
                left_sq += v * v;
                let (a, b) = (x[rows[k - 1]][d], x[rows[k]][d]);
                if a == b {
                    continue;
                }
                let (nl, nr) = (k as f64, (rows.len() - k) as f64);
                let sse = (left_sq - left * left / nl)
                    + ((total_sq - left_sq) - (total - left) * (total - left) / nr);
                if best.is_none_or(|(s, _, _)| sse < s - 1e-12) {
                    best = Some((sse, d, (a + b) / 2.0));
                }
            }
        }
    }
    match best {
        Some((_, d, cut)) => {
            let (mut l, mut r): (Vec<usize>, Vec<usize>) =
                rows.iter().partition(|&&row| x[row][d] < cut);
            let (mut lhi, mut rlo) = (hi.clone(), lo.clone());
            lhi[d] = cut;
            rlo[d] = cut;
            grow(x, y, &mut l, (lo, lhi), leaves);
            grow(x, y, &mut r, (rlo, hi), leaves);
        }
        None => leaves.push(Leaf {
            lo,
            hi,
            value: mean,
        }),
    }
}

/// Each field's share of the variance of `y` explained by it alone, for
/// runs at points `x` of the unit cube (one row per run, one column per
/// field); `None` when fewer than 8 runs or no variance.
pub fn main_effects(x: &[Vec<f64>], y: &[f64]) -> Option<Vec<f64>> {
    let dims = x.first()?.len();
    if x.len() < 8 || dims == 0 || y.len() != x.len() {
        return None;
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut shares = vec![0.0; dims];
    let mut trees = 0usize;
    for _ in 0..TREES {
        let mut rows: Vec<usize> = (0..x.len()).map(|_| rng.below(x.len())).collect();
        let mut leaves = Vec::new();
        grow(
            x,
            y,
            &mut rows,
            (vec![0.0; dims], vec![1.0; dims]),
            &mut leaves,
        );
        let volume = |l: &Leaf, skip: Option<usize>| -> f64 {
            (0..dims)
                .filter(|&d| Some(d) != skip)
                .map(|d| l.hi[d] - l.lo[d])
                .product()
        };
        let mean: f64 = leaves.iter().map(|l| volume(l, None) * l.value).sum();
        let total: f64 = leaves
            .iter()
            .map(|l| volume(l, None) * (l.value - mean).powi(2))
            .sum();
        if total <= 1e-300 {
            continue;
        }
        trees += 1;
        for (d, share) in shares.iter_mut().enumerate() {
            // The main effect is a step function between the tree's cuts on field d.
            let mut cuts: Vec<f64> = leaves.iter().flat_map(|l| [l.lo[d], l.hi[d]]).collect();
            cuts.sort_by(f64::total_cmp);
            cuts.dedup();
            let mut variance = 0.0;
            for w in cuts.windows(2) {
                let (a, b) = (w[0], w[1]);
                let mid = (a + b) / 2.0;
                let f: f64 = leaves
                    .iter()
                    .filter(|l| l.lo[d] <= mid && mid < l.hi[d])
                    .map(|l| l.value * volume(l, Some(d)))
                    .sum();
                variance += (b - a) * (f - mean).powi(2);
            }
            *share += variance / total;
        }
    }
    (trees > 0).then(|| shares.iter().map(|s| s / trees as f64).collect())
}

/// Values of one field across runs as coordinates in `[0, 1]`: numbers
/// scaled linearly, or on a log scale when positive and spanning two
/// decades or more; anything else by the rank of its text among the distinct values.
pub fn coordinates(values: &[String]) -> Vec<f64> {
    let numbers: Option<Vec<f64>> = values.iter().map(|v| v.parse::<f64>().ok()).collect();
    if let Some(n) = numbers.filter(|n| n.iter().all(|v| v.is_finite())) {
        let (lo, hi) = n
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        let log = lo > 0.0 && hi / lo >= 100.0;
        let t = |v: f64| if log { v.ln() } else { v };
        let (tl, th) = (t(lo), t(hi));
        return n
            .iter()
            .map(|&v| {
                if th > tl {
                    (t(v) - tl) / (th - tl)
                } else {
                    0.5
                }
            })
            .collect();
    }
    let mut distinct: Vec<&String> = values.iter().collect();
    distinct.sort();
    distinct.dedup();
    let k = distinct.len().max(1) as f64;
    values
        .iter()
        .map(|v| (distinct.binary_search(&v).unwrap_or(0) as f64 + 0.5) / k)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(n: usize, dims: usize, seed: u64) -> Vec<Vec<f64>> {
        let mut rng = Rng(seed);
        (0..n)
            .map(|_| {
                (0..dims)
                    .map(|_| (rng.next() >> 11) as f64 / (1u64 << 53) as f64)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn an_error_of_one_field_gives_it_nearly_all_the_importance() {
        let x = points(300, 4, 7);
        let y: Vec<f64> = x.iter().map(|p| 2.0 + (3.0 * p[1]).sin() * 5.0).collect();
        let s = main_effects(&x, &y).unwrap();
        eprintln!("one field: {s:?}");
        assert!(s[1] >= 0.9, "{s:?}");
        assert!(s[0] + s[2] + s[3] < 0.05, "{s:?}");
    }

    #[test]
    fn two_independent_fields_share_it_as_their_variances_do() {
        let x = points(400, 3, 11);
        // Variances 4 * var(u) and 1 * var(u): shares 0.8 and 0.2.
        let y: Vec<f64> = x.iter().map(|p| 2.0 * p[0] + p[2]).collect();
        let s = main_effects(&x, &y).unwrap();
        eprintln!("two fields: {s:?}");
        assert!((s[0] - 0.8).abs() < 0.08, "{s:?}");
        assert!((s[2] - 0.2).abs() < 0.08, "{s:?}");
        assert!(s[1] < 0.03, "{s:?}");
    }

    #[test]
    fn an_interaction_is_left_out_of_the_main_effects() {
        let x = points(400, 2, 5);
        // XOR-like: no field explains anything alone.
        let y: Vec<f64> = x
            .iter()
            .map(|p| ((p[0] > 0.5) ^ (p[1] > 0.5)) as u8 as f64)
            .collect();
        let s = main_effects(&x, &y).unwrap();
        eprintln!("interaction: {s:?}");
        assert!(s[0] + s[1] < 0.2, "{s:?}");
    }

    #[test]
    fn coordinates_scale_numbers_by_log_when_they_span_decades_and_rank_the_rest() {
        let c = coordinates(&["0.001".into(), "0.01".into(), "0.1".into()]);
        assert!((c[1] - 0.5).abs() < 1e-12, "{c:?}");
        let c = coordinates(&["100".into(), "300".into(), "200".into()]);
        assert_eq!(c, vec![0.0, 1.0, 0.5]);
        let c = coordinates(&["adam".into(), "sgd".into(), "adam".into()]);
        assert_eq!(c, vec![0.25, 0.75, 0.25]);
        assert!(main_effects(&vec![vec![0.5]; 3], &[1.0, 2.0, 3.0]).is_none());
    }
}
