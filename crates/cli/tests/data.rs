//! `--data` beyond IDX folders: CSV tables, `.npz` archives and `.npy`
//! folders through train, sweep, eval, predict and show, and every kind of
//! bad data file refused in one line with nothing written.

mod common;

use common::{fails, mlp, ok};
use mlp_engine::model;
use mlp_testkit::Digits;
use std::path::Path;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const TABLE_RUN: &[&str] = &[
    "--quiet",
    "--case",
    "tanh",
    "--hidden",
    "16",
    "--lr",
    "0.02",
    "--epochs",
    "15",
    "--shuffle",
    "--label-column",
    "species",
];

#[test]
fn a_csv_table_trains_evaluates_and_sweeps_with_its_classes_and_scaling() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("table.csv");
    std::fs::write(&table, mlp_testkit::tabular_csv(800, 4)).unwrap();
    let saved = dir.path().join("m.safetensors");
    let args = [
        &["train", "--json", "--data", s(&table), "--save", s(&saved)],
        TABLE_RUN,
    ]
    .concat();
    let run: serde_json::Value = serde_json::from_str(&ok(&args)).unwrap();
    let accuracy = run["metrics"]["accuracy"].as_f64().unwrap();
    assert!(accuracy > 0.95, "{accuracy}");
    // A fifth of 800 rows is the test set.
    assert_eq!(run["metrics"]["test_samples"], 160);
    let m = model::load(&saved).unwrap();
    assert_eq!(m.class_names(), ["alpha", "beta", "gamma"]);
    assert_eq!(m.scaling.scale(), mlp_engine::Scale::Standardize);
    let info = m.data.as_ref().unwrap();
    assert_eq!(
        (info.format.as_str(), &info.train[..]),
        ("csv", &[640, 6][..])
    );

    // eval applies the model's scaling to the same held-out rows.
    let eval: serde_json::Value = serde_json::from_str(&ok(&[
        "eval",
        "--json",
        "--model",
        s(&saved),
        "--data",
        s(&table),
    ]))
    .unwrap();
    assert_eq!(eval["misclassified"], run["metrics"]["misclassified"]);
    assert_eq!(eval["loss"], run["metrics"]["test_loss"]);
    assert_eq!(
        eval["classes"],
        serde_json::json!(["alpha", "beta", "gamma"])
    );
    let text = ok(&["eval", "--model", s(&saved), "--data", s(&table)]);
    assert!(text.contains("gamma"), "{text}");

    // What needs images or another scaling is refused in one line.
    let model_flags = ["--model", s(&saved), "--data", s(&table)];
    fails(
        &[&["eval", "--scale", "none"], &model_flags[..]].concat(),
        2,
        &["--scale"],
    );
    let png = dir.path().join("x.png");
    std::fs::write(&png, b"not read").unwrap();
    fails(
        &["predict", "--model", s(&saved), s(&png)],
        2,
        &["features, not images"],
    );
    fails(
        &[
            &["eval", "--misclassified", s(&dir.path().join("w.png"))],
            &model_flags[..],
        ]
        .concat(),
        2,
        &["--misclassified", "features"],
    );
    fails(
        &["show", "--data", s(&table), "--index", "0"],
        2,
        &["features, not images"],
    );
    fails(
        &[
            &["train", "--data", s(&table), "--augment", "elastic"],
            TABLE_RUN,
        ]
        .concat(),
        2,
        &["--augment", "not images"],
    );

    // A sweep's records and report name the data.
    let out = dir.path().join("sweep");
    ok(&[
        "sweep",
        "--quiet",
        "--data",
        s(&table),
        "--out",
        s(&out),
        "--case",
        "tanh",
        "--hidden",
        "16",
        "--lr",
        "0.01,0.02",
        "--epochs",
        "5",
        "--label-column",
        "species",
    ]);
    let results = std::fs::read_to_string(out.join("results.jsonl")).unwrap();
    for line in results.lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(r["dataset"]["format"], "csv");
        assert_eq!(r["dataset"]["scale"], "standardize");
        assert_eq!(
            r["dataset"]["classes"],
            serde_json::json!(["alpha", "beta", "gamma"])
        );
        assert_eq!(r["dataset"]["test_fraction"], 0.2);
        assert!(r["data"]["table.csv"].as_str().unwrap().len() == 64);
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("(csv): train 640x6, test 160x6, 3 classes, scale standardize"),
        "{report}"
    );
    assert!(report.contains("alpha, beta, gamma"), "{report}");
    // Resuming that folder on other data is refused.
    let other = dir.path().join("other.csv");
    std::fs::write(&other, mlp_testkit::tabular_csv(800, 5)).unwrap();
    fails(
        &[
            "sweep",
            "--quiet",
            "--resume",
            "--data",
            s(&other),
            "--out",
            s(&out),
            "--case",
            "tanh",
            "--hidden",
            "16",
            "--lr",
            "0.01,0.02,0.03",
            "--epochs",
            "5",
            "--label-column",
            "species",
        ],
        1,
        &["trained on other data", "table.csv"],
    );
}

#[test]
fn a_sweep_file_names_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("table.csv");
    std::fs::write(&table, mlp_testkit::tabular_csv(300, 5)).unwrap();
    let file = dir.path().join("sweep.toml");
    std::fs::write(
        &file,
        format!(
            "[data]\npath = {:?}\nlabel_column = \"species\"\ntest_fraction = 0.5\nscale = \"none\"\n\n[[grid]]\ncase = [\"tanh\"]\nhidden = [8]\nlr = [0.01]\nepochs = [1]\n",
            s(&table)
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    ok(&["sweep", "--quiet", "--config", s(&file), "--out", s(&out)]);
    let results = std::fs::read_to_string(out.join("results.jsonl")).unwrap();
    let r: serde_json::Value = serde_json::from_str(results.lines().next().unwrap()).unwrap();
    assert_eq!(r["dataset"]["scale"], "none");
    assert_eq!(r["dataset"]["train"], serde_json::json!([150, 6]));
    // A flag overrides the file.
    let out2 = dir.path().join("out2");
    ok(&[
        "sweep",
        "--quiet",
        "--config",
        s(&file),
        "--out",
        s(&out2),
        "--scale",
        "standardize",
    ]);
    let results = std::fs::read_to_string(out2.join("results.jsonl")).unwrap();
    assert!(results.contains("\"scale\":\"standardize\""), "{results}");
    // A bad fraction in the file names it.
    std::fs::write(
        &file,
        "data = { path = \"x.csv\", test_fraction = 1.5 }\n[[grid]]\nlr = [0.01]\n",
    )
    .unwrap();
    fails(
        &["sweep", "--config", s(&file), "--out", s(&out)],
        1,
        &["test_fraction", "1.5"],
    );
}

#[test]
fn images_in_an_npz_train_and_predict_with_a_standardising_model() {
    let dir = tempfile::tempdir().unwrap();
    let npz = dir.path().join("digits.npz");
    Digits::default().write_npz(&npz, true);
    let saved = dir.path().join("m.safetensors");
    ok(&[
        "train",
        "--quiet",
        "--data",
        s(&npz),
        "--scale",
        "standardize",
        "--case",
        "tanh",
        "--hidden",
        "16",
        "--lr",
        "0.05",
        "--epochs",
        "2",
        "--save",
        s(&saved),
    ]);
    let m = model::load(&saved).unwrap();
    assert!(m.takes_images());
    assert_eq!((m.rows, m.cols), (8, 8));
    // show draws the archive's images.
    let shown = ok(&["show", "--data", s(&npz), "--index", "3"]);
    assert!(shown.contains("test image 3 of 100"), "{shown}");
    // predict feeds a picture through the model's standardisation.
    let (_, test) = Digits::default().splits();
    let png = dir.path().join("digit.png");
    image::GrayImage::from_raw(8, 8, test.images[..64].to_vec())
        .unwrap()
        .save(&png)
        .unwrap();
    let out: serde_json::Value = serde_json::from_str(&ok(&[
        "predict",
        "--json",
        "--show",
        "--model",
        s(&saved),
        s(&png),
    ]))
    .unwrap();
    let input: Vec<f64> = out[0]["input"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let mut x = vec![0.0f32; input.len()];
    m.scaling.apply(&input, &mut x);
    let expected = m.scores(&x);
    let printed: Vec<f32> = out[0]["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    assert_eq!(printed, expected);
    let mut pixel = vec![0.0f32; input.len()];
    mlp_engine::Scaling::Pixel.apply(&input, &mut pixel);
    assert_ne!(m.scores(&pixel), expected, "the scaling makes a difference");
}

/// A folder of the four arrays as `.npy` files, each `(name, bytes)` given.
fn npy_folder(dir: &Path, arrays: &[(&str, Vec<u8>)]) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, bytes) in arrays {
        std::fs::write(dir.join(format!("{name}.npy")), bytes).unwrap();
    }
}

fn f32_npy(dims: &[usize], values: &[f32]) -> Vec<u8> {
    let body: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    mnist_idx::write::npy(mnist_idx::NpyType::F32, false, false, dims, &body)
}

fn i64_npy(values: &[i64]) -> Vec<u8> {
    let body: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    mnist_idx::write::npy(
        mnist_idx::NpyType::I64,
        false,
        false,
        &[values.len()],
        &body,
    )
}

#[test]
fn bad_data_files_are_refused_in_one_line_naming_them_with_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = || {
        let (train, test) = Digits::default().splits();
        mlp_testkit::keras_arrays(&train, &test, 8, 8)
    };
    let with = |name: &str, bytes: Vec<u8>| {
        let mut a = good();
        a.iter_mut().find(|(n, _)| *n == name).unwrap().1 = bytes;
        a
    };
    let mut cases: Vec<(String, Vec<&str>)> = Vec::new();
    // .npy folders.
    let mut truncated = good()[0].1.clone();
    truncated.truncate(20);
    npy_folder(&d.join("truncated"), &with("x_train", truncated));
    cases.push((
        "truncated".into(),
        vec!["x_train.npy", "malformed .npy header"],
    ));
    let mut complex = good()[0].1.clone();
    let at = complex.windows(3).position(|w| w == b"|u1").unwrap();
    complex[at..at + 3].copy_from_slice(b"<c8");
    npy_folder(&d.join("complex"), &with("x_train", complex));
    cases.push((
        "complex".into(),
        vec!["x_train.npy", "unsupported .npy dtype '<c8'"],
    ));
    npy_folder(
        &d.join("int_features"),
        &with("x_test", {
            let body: Vec<u8> = vec![0; 100 * 64 * 8];
            mnist_idx::write::npy(mnist_idx::NpyType::I64, false, false, &[100, 64], &body)
        }),
    );
    cases.push((
        "int_features".into(),
        vec!["x_test.npy", "int64", "uint8, float32 or float64"],
    ));
    npy_folder(
        &d.join("short_labels"),
        &with("y_train", i64_npy(&[1; 299])),
    );
    cases.push((
        "short_labels".into(),
        vec!["y_train.npy", "299 labels but x_train.npy holds 300"],
    ));
    let mut negative = vec![1i64; 300];
    negative[7] = -2;
    npy_folder(&d.join("negative"), &with("y_train", i64_npy(&negative)));
    cases.push((
        "negative".into(),
        vec!["y_train.npy", "label -2 at index 7 is negative"],
    ));
    let mut nan = vec![0.5f32; 300 * 64];
    nan[64 * 5 + 3] = f32::NAN;
    npy_folder(&d.join("nan"), &with("x_train", f32_npy(&[300, 64], &nan)));
    cases.push((
        "nan".into(),
        vec!["x_train.npy", "sample 5, feature 3 is NaN"],
    ));
    npy_folder(
        &d.join("narrow_test"),
        &with("x_test", f32_npy(&[100, 63], &vec![0.0; 6300])),
    );
    cases.push(("narrow_test".into(), vec!["x_test.npy", "[63]", "[8, 8]"]));
    let mut unseen = vec![1i64; 100];
    unseen[4] = 12;
    npy_folder(&d.join("unseen"), &with("y_test", i64_npy(&unseen)));
    cases.push((
        "unseen".into(),
        vec![
            "y_test.npy",
            "label 12 at index 4 is not one of the 10 classes",
        ],
    ));
    // An archive without one of its arrays.
    let mut three = good();
    three.pop();
    std::fs::write(d.join("three.npz"), mnist_idx::write::npz(&three, false)).unwrap();
    cases.push((
        "three.npz".into(),
        vec!["three.npz", "no array 'y_test'", "x_test, x_train, y_train"],
    ));
    // CSV tables.
    let csvs: &[(&str, &str, &[&str])] = &[
        (
            "ragged.csv",
            "label,a,b\n0,1,2\n1,3\n",
            &["ragged.csv", "row 3"],
        ),
        (
            "word.csv",
            "label,a,b\n0,1,2\n1,x,4\n",
            &["word.csv", "row 3", "column 'a'"],
        ),
        (
            "nan.csv",
            "label,a,b\n0,1,2\n1,NaN,4\n",
            &["nan.csv", "row 3"],
        ),
        (
            "negative.csv",
            "label,a,b\n0,1,2\n-1,3,4\n",
            &["negative.csv", "label -1 is negative"],
        ),
        (
            "fraction.csv",
            "label,a,b\n0,1,2\n1.5,3,4\n",
            &["fraction.csv", "not an integer"],
        ),
    ];
    for (name, text, needles) in csvs {
        std::fs::write(d.join(name), text).unwrap();
        cases.push((name.to_string(), needles.to_vec()));
    }
    let rows: String = (0..10).map(|i| format!("{},{i},{i}\n", i % 2)).collect();
    std::fs::write(d.join("train.csv"), format!("label,a,b\n{rows}")).unwrap();
    std::fs::write(d.join("narrow.csv"), "label,a\n0,1\n1,2\n").unwrap();
    let saved = d.join("never.safetensors");
    for (name, needles) in &cases {
        fails(
            &[
                "train",
                "--quiet",
                "--data",
                s(&d.join(name)),
                "--save",
                s(&saved),
            ],
            1,
            needles,
        );
    }
    fails(
        &[
            "train",
            "--data",
            s(&d.join("train.csv")),
            "--test-data",
            s(&d.join("narrow.csv")),
            "--save",
            s(&saved),
        ],
        1,
        &[
            "narrow.csv",
            "1 features per row but the training table train.csv has 2",
        ],
    );
    fails(
        &[
            "train",
            "--data",
            s(&d.join("train.csv")),
            "--test-fraction",
            "1",
            "--save",
            s(&saved),
        ],
        2,
        &["--test-fraction", "not between 0 and 1"],
    );
    fails(
        &[
            "train",
            "--data",
            s(&d.join("three.npz")),
            "--test-data",
            s(&d.join("train.csv")),
        ],
        1,
        &["three.npz", "a test table goes with a .csv data set only"],
    );
    fails(
        &["train", "--data", s(&d.join("nothing.csv"))],
        1,
        &["nothing.csv"],
    );
    fails(
        &["train", "--data", s(&d.join("a.npy"))],
        1,
        &["a.npy", "no such file"],
    );
    assert!(!saved.exists());
}

/// `--data mnist` fetches MNIST into the per-user cache on first use (here
/// from a local mirror), checksums verified, and `mlp download` fetches it ahead.
#[test]
#[ignore = "needs MNIST_DIR (the four raw MNIST files)"]
fn mnist_by_name_comes_from_the_per_user_cache() {
    let mnist = std::env::var("MNIST_DIR").unwrap_or_else(|_| {
        panic!("MNIST_DIR is not set: point it at the MNIST folder, or run `cargo xtask test`")
    });
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let out = mlp()
        .current_dir(work.path())
        .env("MLP_DATA_HOME", home.path())
        .env("MNIST_MIRROR", &mnist)
        .args(["show", "--data", "mnist", "--index", "0"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("test image 0 of 10000: label 7"), "{shown}");
    for f in mnist_idx::MNIST_SHA256 {
        assert!(
            home.path().join("mnist").join(f.name).is_file(),
            "{}",
            f.name
        );
    }
    let dest = work.path().join("copy");
    let out = mlp()
        .args(["download", "--dest", s(&dest), "--from", &mnist])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), s(&dest));
    fails(&["download", "cifar"], 2, &["unknown data set", "mnist"]);
}

/// What the review of this feature found, each kept fixed: nothing written
/// before a refusal, a float-image model refused by predict, a resume on
/// the same files opened otherwise refused, a sweep file's typo named, a
/// model's test rows taken only on the file it was trained on.
#[test]
fn refusals_come_before_anything_is_written_and_say_what_differs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let table = d.join("table.csv");
    std::fs::write(&table, mlp_testkit::tabular_csv(300, 6)).unwrap();
    let init = d.join("init.safetensors");
    fails(
        &[
            &[
                "train",
                "--data",
                s(&table),
                "--augment",
                "affine",
                "--save-init",
                s(&init),
            ],
            TABLE_RUN,
        ]
        .concat(),
        2,
        &["--augment"],
    );
    assert!(!init.exists());
    let out = d.join("sweep");
    fails(
        &[
            "sweep",
            "--quiet",
            "--data",
            s(&table),
            "--label-column",
            "species",
            "--augment",
            "affine",
            "--out",
            s(&out),
        ],
        2,
        &["--augment"],
    );
    assert!(!out.exists());

    // Float images: predict cannot know their scale.
    let floats = d.join("floats");
    let (train, test) = Digits::default().splits();
    let as_f32 = |s: &mlp_testkit::Split| -> Vec<f32> {
        s.images.iter().map(|&b| f32::from(b) / 255.0).collect()
    };
    npy_folder(
        &floats,
        &[
            ("x_train", f32_npy(&[300, 8, 8], &as_f32(&train))),
            (
                "y_train",
                i64_npy(
                    &train
                        .labels
                        .iter()
                        .map(|&l| i64::from(l))
                        .collect::<Vec<_>>(),
                ),
            ),
            ("x_test", f32_npy(&[100, 8, 8], &as_f32(&test))),
            (
                "y_test",
                i64_npy(
                    &test
                        .labels
                        .iter()
                        .map(|&l| i64::from(l))
                        .collect::<Vec<_>>(),
                ),
            ),
        ],
    );
    let saved = d.join("floats.safetensors");
    ok(&[
        "train",
        "--quiet",
        "--data",
        s(&floats),
        "--case",
        "tanh",
        "--hidden",
        "8",
        "--epochs",
        "1",
        "--save",
        s(&saved),
    ]);
    let png = d.join("x.png");
    std::fs::write(&png, b"not read").unwrap();
    fails(
        &["predict", "--model", s(&saved), s(&png)],
        2,
        &["float32", "uint8 images"],
    );
    // A model of 64 inputs on a table of 6 features: a usage error naming --data.
    let digits_table = d.join("digits.csv");
    let rows: String = (0..30).map(|i| format!("{},{i},1,2\n", i % 10)).collect();
    std::fs::write(&digits_table, format!("label,a,b,c\n{rows}")).unwrap();
    fails(
        &["eval", "--model", s(&saved), "--data", s(&digits_table)],
        2,
        &["--data", "3 values per sample"],
    );

    // Resuming on the same file with another scaling is refused.
    let base = [
        "sweep",
        "--quiet",
        "--data",
        s(&table),
        "--label-column",
        "species",
        "--case",
        "tanh",
        "--hidden",
        "8",
        "--epochs",
        "1",
        "--out",
        s(&out),
    ];
    let run = |extra: &[&'static str]| -> Vec<String> {
        base.iter().chain(extra).map(|a| a.to_string()).collect()
    };
    ok(&strs(&run(&[])));
    fails(
        &strs(&run(&["--resume", "--scale", "none"])),
        1,
        &["the same files (table.csv) opened otherwise"],
    );
    ok(&strs(&run(&["--resume"])));

    // A typo in a sweep file's [data] table is named.
    let file = d.join("typo.toml");
    std::fs::write(
        &file,
        "[data]\npath = \"x.csv\"\ntest_fracton = 0.5\n[[grid]]\nlr = [0.01]\n",
    )
    .unwrap();
    fails(
        &["sweep", "--config", s(&file), "--out", s(&d.join("o"))],
        1,
        &["test_fracton"],
    );

    // A model trained with a test table takes it again on its own training
    // table only: on a copy of the table, the rows held out by default are judged.
    let (train_csv, test_csv) = (d.join("train.csv"), d.join("test.csv"));
    std::fs::write(&train_csv, mlp_testkit::tabular_csv(200, 7)).unwrap();
    std::fs::write(&test_csv, mlp_testkit::tabular_csv(50, 8)).unwrap();
    let m = d.join("t.safetensors");
    ok(&[
        &[
            "train",
            "--data",
            s(&train_csv),
            "--test-data",
            s(&test_csv),
            "--save",
            s(&m),
        ],
        TABLE_RUN,
    ]
    .concat());
    let samples = |data: &Path| -> u64 {
        let v: serde_json::Value = serde_json::from_str(&ok(&[
            "eval",
            "--json",
            "--model",
            s(&m),
            "--data",
            s(data),
        ]))
        .unwrap();
        v["samples"].as_u64().unwrap()
    };
    assert_eq!(samples(&train_csv), 50);
    let copy = d.join("copy.csv");
    std::fs::copy(&train_csv, &copy).unwrap();
    assert_eq!(samples(&copy), 40);
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}
