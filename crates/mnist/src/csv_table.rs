//! Tables of numbers in CSV files: one label column and numeric features.
//!
//! A header row is optional: the first row is a header when one of its
//! feature cells is not a number. The label column is `label` when the
//! header has one, else the one asked for, else the first. Labels are kept
//! as written; [`CsvTable::classes`] orders them into classes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::IdxError;
use crate::storage::load;

/// Which column holds the labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelColumn {
    /// The column of this header name.
    Name(String),
    /// The column at this index, from 0.
    Index(usize),
}

/// A CSV file parsed into features and labels.
#[derive(Debug)]
pub struct CsvTable {
    path: PathBuf,
    header: Option<Vec<String>>,
    label_column: usize,
    features: Vec<f32>,
    rows: usize,
    cols: usize,
    /// Each row's label, as an index into `label_names` (first seen first).
    label_ids: Vec<u32>,
    label_names: Vec<String>,
}

/// The classes of a labelled table: class `i` is `names[i]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classes {
    /// Each class's label as written, in class order.
    pub names: Vec<String>,
}

impl Classes {
    /// Each class's label as written, mapped to its class number.
    pub fn index(&self) -> HashMap<&str, u32> {
        self.names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i as u32))
            .collect()
    }
}

impl CsvTable {
    /// Reads and parses the CSV file at `path` (`.gz` files are decompressed).
    pub fn open(path: impl AsRef<Path>, label: Option<&LabelColumn>) -> Result<CsvTable, IdxError> {
        let path = path.as_ref();
        Self::from_storage(&load(path)?, path, label)
    }

    /// Parses CSV text in memory; `path` is only used in error messages.
    pub fn parse(
        bytes: &[u8],
        path: &Path,
        label: Option<&LabelColumn>,
    ) -> Result<CsvTable, IdxError> {
        Self::from_storage(bytes, path, label)
    }

    fn from_storage(
        bytes: &[u8],
        path: &Path,
        label: Option<&LabelColumn>,
    ) -> Result<CsvTable, IdxError> {
        let at = |row: usize, column: Option<String>, problem: String| IdxError::Csv {
            path: path.to_path_buf(),
            row,
            column,
            problem,
        };
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut record = ::csv::ByteRecord::new();
        let read = |reader: &mut ::csv::Reader<&[u8]>, record: &mut ::csv::ByteRecord| {
            reader.read_byte_record(record).map_err(|e| {
                at(
                    e.position().map_or(0, |p| p.line() as usize),
                    None,
                    e.to_string(),
                )
            })
        };
        if !read(&mut reader, &mut record)? {
            return Err(at(1, None, "the file holds no rows".into()));
        }
        let first: Vec<String> = record
            .iter()
            .map(|c| String::from_utf8_lossy(c).trim().to_string())
            .collect();
        let width = first.len();
        // A header when a cell that is not the label's is not a number: the
        // label column may hold names, so it says nothing.
        let named_label = first.iter().position(|c| c.eq_ignore_ascii_case("label"));
        let guess = match (label, named_label) {
            (Some(LabelColumn::Index(i)), _) => Some(*i),
            (_, Some(i)) => Some(i),
            _ => None,
        };
        let is_header = first
            .iter()
            .enumerate()
            .filter(|&(i, _)| Some(i) != guess && (guess.is_some() || i != 0))
            .any(|(_, c)| number(c).is_none());
        let header = is_header.then(|| first.clone());
        let label_column = match label {
            Some(LabelColumn::Index(i)) if *i < width => *i,
            Some(LabelColumn::Index(i)) => {
                return Err(at(1, None, format!("the label column {i} is not below the {width} columns")))
            }
            Some(LabelColumn::Name(name)) => match &header {
                Some(h) => h.iter().position(|c| c == name).ok_or_else(|| {
                    at(1, None, format!("no column named '{name}' (the header has: {})", h.join(", ")))
                })?,
                None => {
                    return Err(at(1, None, format!("no header row to find the label column '{name}' in; give its index instead")))
                }
            },
            None => named_label.filter(|_| is_header).unwrap_or(0),
        };
        if width < 2 {
            return Err(at(
                1,
                None,
                "a table needs a label column and at least one feature".into(),
            ));
        }
        let names = header.clone();
        let column_name = move |c: usize| column_label(names.as_deref(), c);
        let cols = width - 1;
        let mut table = CsvTable {
            path: path.to_path_buf(),
            header,
            label_column,
            features: Vec::with_capacity(bytes.len() / 2),
            rows: 0,
            cols,
            label_ids: Vec::new(),
            label_names: Vec::new(),
        };
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut line = 1usize;
        let mut have = !is_header;
        loop {
            if !have && !read(&mut reader, &mut record)? {
                break;
            }
            have = false;
            line = record.position().map_or(line + 1, |p| p.line() as usize);
            if record.len() == 1
                && record
                    .get(0)
                    .is_some_and(|c| c.iter().all(u8::is_ascii_whitespace))
            {
                // A blank line (often the last) holds no row.
                continue;
            }
            if record.len() != width {
                return Err(at(
                    line,
                    None,
                    format!("{} cells, but the first row has {width}", record.len()),
                ));
            }
            for (c, cell) in record.iter().enumerate() {
                if c == label_column {
                    // Keyed by the text as shown, so that two byte strings
                    // shown alike are one class.
                    let key = String::from_utf8_lossy(trim(cell));
                    let id = match ids.get(key.as_ref()) {
                        Some(&id) => id,
                        None => {
                            let id = ids.len() as u32;
                            ids.insert(key.to_string(), id);
                            table.label_names.push(key.into_owned());
                            id
                        }
                    };
                    table.label_ids.push(id);
                    continue;
                }
                match cell_number(trim(cell)) {
                    Some(v) if v.is_finite() => table.features.push(v),
                    Some(v) => {
                        return Err(at(
                            line,
                            Some(column_name(c)),
                            format!("{v} is not a finite number"),
                        ))
                    }
                    None => {
                        return Err(at(
                            line,
                            Some(column_name(c)),
                            format!(
                                "'{}' is not a number (a feature must be; if this column holds the labels, name it as the label column)",
                                String::from_utf8_lossy(cell)
                            ),
                        ))
                    }
                }
            }
            table.rows += 1;
        }
        if table.rows == 0 {
            return Err(at(line, None, "the file holds a header but no rows".into()));
        }
        Ok(table)
    }

    /// The file the table was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The header row, when the file has one.
    pub fn header(&self) -> Option<&[String]> {
        self.header.as_deref()
    }

    /// The label column's index, from 0.
    pub fn label_column(&self) -> usize {
        self.label_column
    }

    /// Data rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Features per row.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The features, row by row (`rows x cols`).
    pub fn features(&self) -> &[f32] {
        &self.features
    }

    /// The classes of this table's labels, in sorted order: by value when
    /// every label is an integer (a negative one is an error), else by text.
    pub fn classes(&self) -> Result<Classes, IdxError> {
        let mut numbers = Vec::with_capacity(self.label_names.len());
        for (id, name) in self.label_names.iter().enumerate() {
            match name.parse::<i64>() {
                Ok(v) if v < 0 => {
                    return Err(self.label_error(id, format!("label {v} is negative")))
                }
                Ok(v) => numbers.push(v),
                Err(_) if number(name).is_some() => {
                    return Err(self.label_error(id, format!("label {name} is not an integer")))
                }
                Err(_) => break,
            }
        }
        let mut names = self.label_names.clone();
        if numbers.len() == names.len() {
            let mut order: Vec<usize> = (0..names.len()).collect();
            order.sort_by_key(|&i| numbers[i]);
            names = order
                .into_iter()
                .map(|i| self.label_names[i].clone())
                .collect();
        } else {
            names.sort();
        }
        Ok(Classes { names })
    }

    /// Each row's class under `classes` (the training table's, for a test
    /// table); a label that is not one of them is an error naming its row.
    pub fn class_indices(&self, classes: &Classes) -> Result<Vec<u32>, IdxError> {
        let index = classes.index();
        let mut of_id = Vec::with_capacity(self.label_names.len());
        for (id, name) in self.label_names.iter().enumerate() {
            match index.get(name.as_str()) {
                Some(&c) => of_id.push(c),
                None => {
                    return Err(self.label_error(
                        id,
                        format!("label '{name}' is not one of the training set's classes"),
                    ))
                }
            }
        }
        Ok(self
            .label_ids
            .iter()
            .map(|&id| of_id[id as usize])
            .collect())
    }

    /// An error about the first row whose label has id `id`.
    fn label_error(&self, id: usize, problem: String) -> IdxError {
        let row = self
            .label_ids
            .iter()
            .position(|&l| l as usize == id)
            .unwrap_or(0);
        IdxError::Csv {
            path: self.path.clone(),
            row: row + 1 + usize::from(self.header.is_some()),
            column: Some(column_label(self.header.as_deref(), self.label_column)),
            problem,
        }
    }
}

/// Column `c` as errors name it: `'name' (number)` under a header, else its number from 1.
fn column_label(header: Option<&[String]>, c: usize) -> String {
    match header {
        Some(h) => format!("'{}' ({})", h[c], c + 1),
        None => format!("{}", c + 1),
    }
}

fn trim(cell: &[u8]) -> &[u8] {
    let start = cell
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(cell.len());
    let end = cell
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &cell[start..end]
}

/// A cell's number: what `f32` parses, NaN and infinities included (so the caller can name them).
fn number(text: &str) -> Option<f32> {
    text.trim().parse::<f32>().ok()
}

/// [`number`] of a trimmed cell's bytes, with a fast path for the short
/// unsigned integers that pixel tables are made of (exact in `f32`).
#[inline]
fn cell_number(cell: &[u8]) -> Option<f32> {
    if !cell.is_empty() && cell.len() <= 7 && cell.iter().all(u8::is_ascii_digit) {
        let v = cell
            .iter()
            .fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'));
        return Some(v as f32);
    }
    std::str::from_utf8(cell).ok().and_then(number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str, label: Option<&LabelColumn>) -> Result<CsvTable, IdxError> {
        CsvTable::parse(text.as_bytes(), Path::new("t.csv"), label)
    }

    #[test]
    fn a_header_with_a_label_column_is_found_and_labels_sort_by_value() {
        let t = parse("pixel0,label,pixel1\n0,10,255\n7,2,0\r\n1,10,3\n\n", None).unwrap();
        assert_eq!(t.header().unwrap()[1], "label");
        assert_eq!((t.rows(), t.cols(), t.label_column()), (3, 2, 1));
        assert_eq!(t.features(), &[0.0, 255.0, 7.0, 0.0, 1.0, 3.0]);
        let classes = t.classes().unwrap();
        assert_eq!(classes.names, ["2", "10"], "by value, not by text");
        assert_eq!(t.class_indices(&classes).unwrap(), [1, 0, 1]);
    }

    #[test]
    fn without_a_header_the_first_column_or_the_one_asked_for_is_the_label() {
        let t = parse("b,1.5,-2e3\na,0.25,4\n", None).unwrap();
        assert!(t.header().is_none());
        assert_eq!(t.features(), &[1.5, -2000.0, 0.25, 4.0]);
        assert_eq!(t.classes().unwrap().names, ["a", "b"]);
        let last = parse(
            "1.5,2,\"cat, grey\"\n3,4,dog\n",
            Some(&LabelColumn::Index(2)),
        )
        .unwrap();
        assert_eq!(last.features(), &[1.5, 2.0, 3.0, 4.0]);
        assert_eq!(last.classes().unwrap().names, ["cat, grey", "dog"]);
        let named = parse(
            "w,h,kind\n1,2,x\n3,4,y\n",
            Some(&LabelColumn::Name("kind".into())),
        )
        .unwrap();
        assert_eq!(
            (named.label_column(), named.features()),
            (2, &[1.0, 2.0, 3.0, 4.0][..])
        );
    }

    #[test]
    fn each_bad_table_is_one_line_naming_the_row_and_column() {
        let cases: [(&str, Option<LabelColumn>, &str); 10] = [
            ("", None, "row 1: the file holds no rows"),
            ("label,a\n", None, "holds a header but no rows"),
            (
                "label,a,b\n1,2,3\n1,2\n",
                None,
                "row 3: 2 cells, but the first row has 3",
            ),
            (
                "label,a,b\n1,2,3\n1,x,3\n",
                None,
                "row 3, column 'a' (2): 'x' is not a number (a feature must be; if this column holds the labels, name it as the label column)",
            ),
            (
                "1,2,3\n1,2,NaN\n",
                None,
                "row 2, column 3: NaN is not a finite number",
            ),
            (
                "1,2,3\n1,inf,3\n",
                None,
                "row 2, column 2: inf is not a finite number",
            ),
            (
                "label,a\n1,2\n-1,2\n",
                None,
                "row 3, column 'label' (1): label -1 is negative",
            ),
            (
                "label,a\n1,2\n2.5,2\n",
                None,
                "row 3, column 'label' (1): label 2.5 is not an integer",
            ),
            (
                "1,2\n",
                Some(LabelColumn::Index(5)),
                "the label column 5 is not below the 2 columns",
            ),
            (
                "1,2\n",
                Some(LabelColumn::Name("y".into())),
                "no header row to find the label column 'y'",
            ),
        ];
        for (text, label, says) in cases {
            let e = parse(text, label.as_ref())
                .and_then(|t| t.classes().map(|_| t))
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("t.csv: ") && e.contains(says), "{says}: {e}");
            assert!(!e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn a_test_label_outside_the_training_classes_is_an_error_naming_its_row() {
        let train = parse("label,a\ncat,1\ndog,2\n", None).unwrap();
        let test = parse("label,a\ndog,1\nemu,2\n", None).unwrap();
        let classes = train.classes().unwrap();
        assert_eq!(test.class_indices(&classes).unwrap_err().to_string(),
            "t.csv: row 3, column 'label' (1): label 'emu' is not one of the training set's classes");
    }

    proptest! {
        /// Any table written as CSV, with or without a header, reads back as its values.
        #[test]
        fn written_tables_read_back(
            rows in prop::collection::vec(
                (0u8..4, prop::collection::vec(-1e6f32..1e6, 3)), 1..20),
            header in any::<bool>(),
        ) {
            let mut text = String::new();
            if header {
                text.push_str("label,a,b,c\n");
            }
            for (label, values) in &rows {
                let cells: Vec<String> = values.iter().map(|v| v.to_string()).collect();
                text.push_str(&format!("{label},{}\n", cells.join(",")));
            }
            let t = parse(&text, None).unwrap();
            prop_assert_eq!(t.header().is_some(), header);
            let all: Vec<f32> = rows.iter().flat_map(|(_, v)| v.clone()).collect();
            prop_assert_eq!(t.features(), &all[..]);
            let classes = t.classes().unwrap();
            let labels: Vec<String> = t.class_indices(&classes).unwrap()
                .iter().map(|&c| classes.names[c as usize].clone()).collect();
            let written: Vec<String> = rows.iter().map(|(l, _)| l.to_string()).collect();
            prop_assert_eq!(labels, written);
        }

        /// The fast path for short integers gives what the general parser gives.
        #[test]
        fn short_integers_parse_as_the_general_parser_does(n in 0u32..100_000_000, zeros in 0usize..3) {
            let text = format!("{}{n}", "0".repeat(zeros));
            prop_assert_eq!(cell_number(text.as_bytes()), text.parse::<f32>().ok());
        }

        /// No bytes make the parser panic.
        #[test]
        fn any_bytes_are_a_table_or_an_error(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            if let Ok(t) = CsvTable::parse(&bytes, Path::new("t.csv"), None) {
                prop_assert_eq!(t.features().len(), t.rows() * t.cols());
                let _ = t.classes();
            }
        }
    }
}
