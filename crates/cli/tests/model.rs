//! Model files: `train --save/--save-init/--init-from`, `eval`, `predict` and `show`.

mod common;

use common::{fails, mlp, ok, write_data};
use mlp_testkit::bits;
use std::path::{Path, PathBuf};

const TRAIN: &[&str] = &[
    "train",
    "--quiet",
    "--json",
    "--case",
    "tanh",
    "--hidden",
    "16",
    "--lr",
    "0.05",
    "--epochs",
    "3",
    "--train-samples",
    "200",
    "--shuffle",
];

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        write_data(&dir.path().join("data"));
        Fixture { dir }
    }
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    /// Trains on the synthetic data with `extra` flags; returns the JSON report.
    fn train(&self, extra: &[&str]) -> serde_json::Value {
        let data = self.data();
        let mut args: Vec<&str> = TRAIN.to_vec();
        args.extend(["--data", s(&data)]);
        args.extend(extra);
        serde_json::from_str(&ok(&args)).unwrap()
    }
    fn eval_json(&self, model: &Path) -> serde_json::Value {
        let data = self.data();
        serde_json::from_str(&ok(&[
            "eval",
            "--json",
            "--model",
            s(model),
            "--data",
            s(&data),
        ]))
        .unwrap()
    }
    /// Files in the fixture's folder whose name starts with a dot (temporary files).
    fn hidden_files(&self) -> Vec<String> {
        std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect()
    }
}

#[test]
fn a_saved_model_evaluates_to_exactly_the_training_metrics() {
    let f = Fixture::new();
    let model = f.path("model.safetensors");
    let report = f.train(&["--save", s(&model)]);
    let m = &report["metrics"];
    let e = f.eval_json(&model);
    assert_eq!(e["loss"], m["test_loss"]);
    assert_eq!(e["misclassified"], m["misclassified"]);
    assert_eq!(e["error_pct"], m["test_error_pct"]);
    assert_eq!(e["accuracy"], m["accuracy"]);
    assert_eq!(e["samples"], m["test_samples"]);
    assert_eq!(e["confusion"], report["confusion"]);
    assert_eq!(e["config"], report["config"]);
    assert_eq!(e["training_metrics"], report["metrics"]);
    assert_eq!(e["per_class"].as_array().unwrap().len(), 10);
    assert!(f.hidden_files().is_empty(), "{:?}", f.hidden_files());

    // The file holds what the docs promise.
    let loaded = mlp_engine::model::load(&model).unwrap();
    assert_eq!(loaded.stage, mlp_engine::model::Stage::Trained);
    assert_eq!((loaded.rows, loaded.cols), (8, 8));
    assert_eq!(loaded.network.w1().len(), 64 * 16);
    assert_eq!(loaded.data_sha256.len(), 4);
    // Saving the loaded model again gives the same bytes: a bit-identical round trip.
    let again = f.path("again.safetensors");
    mlp_engine::model::save(&again, &loaded).unwrap();
    assert_eq!(
        bits(mlp_engine::model::load(&again).unwrap().network.w1()),
        bits(loaded.network.w1())
    );
    assert_eq!(mlp_engine::model::load(&again).unwrap(), loaded);
}

#[test]
fn save_init_then_init_from_twice_trains_bit_identically() {
    let f = Fixture::new();
    let (init, a, b, c) = (
        f.path("init.safetensors"),
        f.path("a.safetensors"),
        f.path("b.safetensors"),
        f.path("c.safetensors"),
    );
    let ra = f.train(&["--save-init", s(&init), "--save", s(&a)]);
    let start = mlp_engine::model::load(&init).unwrap();
    assert_eq!(start.stage, mlp_engine::model::Stage::Initial);
    assert_eq!(start.network, mlp_engine::Network::init(64, 16, 10, 1));
    // Same start and seed as run a, but the weights come from the file.
    let rb = f.train(&["--init-from", s(&init), "--save", s(&b)]);
    let rc = f.train(&["--init-from", s(&init), "--save", s(&c)]);
    let (wa, wb, wc) = (
        mlp_engine::model::load(&a).unwrap().network,
        mlp_engine::model::load(&b).unwrap().network,
        mlp_engine::model::load(&c).unwrap().network,
    );
    assert_eq!(bits(wb.w1()), bits(wc.w1()));
    assert_eq!(bits(wb.w2()), bits(wc.w2()));
    assert_eq!(
        bits(wa.w1()),
        bits(wb.w1()),
        "same start, same seed: same run"
    );
    assert_ne!(
        bits(wb.w1()),
        bits(start.network.w1()),
        "training moved the weights"
    );
    for r in [&ra, &rb] {
        assert_eq!(r["metrics"]["test_loss"], rc["metrics"]["test_loss"]);
        assert_eq!(
            r["history"][2]["train_loss"],
            rc["history"][2]["train_loss"]
        );
    }
    // A different start gives a different run, so the test above can fail.
    let other = f.path("other.safetensors");
    f.train(&["--seed", "2", "--save-init", s(&other)]);
    let rd = f.train(&["--init-from", s(&other)]);
    assert_ne!(
        rd["history"][0]["train_loss"],
        rc["history"][0]["train_loss"]
    );
}

#[test]
fn init_from_checks_shapes_against_the_flags() {
    let f = Fixture::new();
    let init = f.path("init.safetensors");
    f.train(&["--save-init", s(&init)]);
    let data = f.data();
    let mut args: Vec<&str> = TRAIN
        .iter()
        .map(|a| if *a == "16" { "8" } else { a })
        .collect();
    args.extend(["--data", s(&data), "--init-from", s(&init)]);
    fails(
        &args,
        2,
        &["--init-from", "init.safetensors", "64-16-10", "64-8-10"],
    );

    // Weights for other data: a 6x6 set with the same hidden size.
    let small = f.path("small");
    std::fs::create_dir(&small).unwrap();
    let imgs: Vec<u8> = (0..20 * 36).map(|i| (i * 7 % 256) as u8).collect();
    let labels: Vec<u8> = (0..20).map(|i| (i % 10) as u8).collect();
    for prefix in ["train", "t10k"] {
        mnist_idx::write::write_split(&small, prefix, &imgs, 6, 6, &labels).unwrap();
    }
    let mut args: Vec<&str> = TRAIN.to_vec();
    args.retain(|a| *a != "200");
    args.retain(|a| *a != "--train-samples");
    args.extend(["--data", s(&small), "--init-from", s(&init)]);
    fails(&args, 2, &["--init-from", "64-16-10", "36-16-10"]);

    // The model does not fit that data for eval either.
    let model = f.path("m.safetensors");
    f.train(&["--save", s(&model)]);
    fails(
        &["eval", "--model", s(&model), "--data", s(&small)],
        2,
        &["--data", "8x8", "6x6"],
    );
}

#[test]
fn output_folders_are_checked_before_training() {
    let f = Fixture::new();
    let data = f.data();
    let missing = f.path("nowhere").join("m.safetensors");
    for flag in ["--save", "--save-init"] {
        let mut args: Vec<&str> = TRAIN.to_vec();
        args.extend(["--data", s(&data), flag, s(&missing)]);
        fails(&args, 2, &[flag, "nowhere"]);
    }
    let model = f.path("m.safetensors");
    f.train(&["--save", s(&model)]);
    fails(
        &[
            "eval",
            "--model",
            s(&model),
            "--data",
            s(&data),
            "--confusion",
            s(&missing),
        ],
        2,
        &["--confusion", "nowhere"],
    );
}

/// Splits a safetensors file into its header JSON and tensor bytes.
fn split_file(bytes: &[u8]) -> (serde_json::Value, Vec<u8>) {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    (header, bytes[8 + n..].to_vec())
}

fn join_file(header: &serde_json::Value, body: &[u8]) -> Vec<u8> {
    let h = serde_json::to_vec(header).unwrap();
    let mut out = (h.len() as u64).to_le_bytes().to_vec();
    out.extend(h);
    out.extend(body);
    out
}

#[test]
fn bad_model_files_are_one_line_errors_naming_the_file() {
    let f = Fixture::new();
    let model = f.path("good.safetensors");
    f.train(&["--save", s(&model)]);
    let good = std::fs::read(&model).unwrap();
    let (header, body) = split_file(&good);
    // Sanity: the unmodified split/join round trip is still a good model.
    let same = f.path("same.safetensors");
    std::fs::write(&same, join_file(&header, &body)).unwrap();
    f.eval_json(&same);

    let edit = |change: &dyn Fn(&mut serde_json::Value)| {
        let mut h = header.clone();
        change(&mut h);
        join_file(&h, &body)
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "safetensors"),
        ("truncated", good[..good.len() - 10].to_vec(), "safetensors"),
        ("header-cut", good[..100].to_vec(), "safetensors"),
        (
            "garbage",
            b"this is not a model at all, just text".to_vec(),
            "safetensors",
        ),
        (
            "other-tool",
            edit(&|h| h["__metadata__"]["format"] = "someone-else".into()),
            "format",
        ),
        (
            "no-metadata",
            edit(&|h| {
                h.as_object_mut().unwrap().remove("__metadata__");
            }),
            "metadata",
        ),
        (
            "future-version",
            edit(&|h| h["__metadata__"]["format_version"] = "2".into()),
            "version 2",
        ),
        (
            "wrong-dtype",
            edit(&|h| {
                h["w1"]["dtype"] = "F16".into();
                h["w1"]["shape"] = serde_json::json!([64, 32]);
            }),
            "dtype",
        ),
        (
            "transposed",
            edit(&|h| h["w1"]["shape"] = serde_json::json!([16, 64])),
            "shape",
        ),
        (
            "hidden-mismatch",
            edit(&|h| h["__metadata__"]["hidden"] = "17".into()),
            "does not match",
        ),
        (
            "activation-mismatch",
            edit(&|h| h["__metadata__"]["hidden_activation"] = "relu".into()),
            "does not match",
        ),
        (
            "missing-tensor",
            edit(&|h| {
                h.as_object_mut().unwrap().remove("w2");
            }),
            "safetensors",
        ),
        (
            "bad-config",
            edit(&|h| h["__metadata__"]["config"] = "{\"case\": 3}".into()),
            "config",
        ),
    ];
    let data = f.data();
    for (name, bytes, needle) in &cases {
        let p = f.path(&format!("{name}.safetensors"));
        std::fs::write(&p, bytes).unwrap();
        let file = format!("{name}.safetensors");
        fails(
            &["eval", "--model", s(&p), "--data", s(&data)],
            1,
            &[&file, needle],
        );
        fails(&["predict", "--model", s(&p), s(&p)], 1, &[&file, needle]);
    }
    let err = fails(
        &[
            "eval",
            "--model",
            s(&f.path("absent.safetensors")),
            "--data",
            s(&data),
        ],
        1,
        &["absent.safetensors"],
    );
    assert_eq!(err.matches("os error").count(), 1, "cause said once: {err}");
    // --init-from reads models through the same checks.
    let p = f.path("transposed.safetensors");
    let mut args: Vec<&str> = TRAIN.to_vec();
    args.extend(["--data", s(&data), "--init-from", s(&p)]);
    fails(
        &args,
        1,
        &["--init-from", "transposed.safetensors", "shape"],
    );
}

#[test]
fn eval_prints_tables_and_draws_pngs_atomically() {
    let f = Fixture::new();
    let model = f.path("m.safetensors");
    // Few epochs at a small rate, so some images stay misclassified.
    let data = f.data();
    ok(&[
        "train",
        "--quiet",
        "--case",
        "tanh",
        "--hidden",
        "4",
        "--lr",
        "0.002",
        "--epochs",
        "1",
        "--train-samples",
        "50",
        "--data",
        s(&data),
        "--save",
        s(&model),
    ]);
    let (grid, cm) = (f.path("grid.png"), f.path("cm.png"));
    let out = ok(&[
        "eval",
        "--model",
        s(&model),
        "--data",
        s(&data),
        "--misclassified",
        s(&grid),
        "--limit",
        "12",
        "--confusion",
        s(&cm),
    ]);
    for needle in [
        "MSE",
        "misclassified",
        "error",
        "accuracy",
        "precision",
        "recall",
        "confusion matrix",
        "most confused pairs",
    ] {
        assert!(out.contains(needle), "{needle}: {out}");
    }
    let e = f.eval_json(&model);
    assert!(e["misclassified"].as_u64().unwrap() > 12, "{e}");
    let confused = e["most_confused"].as_array().unwrap();
    assert!(!confused.is_empty() && confused.len() <= 5);
    let counts: Vec<u64> = confused
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    let g = image::open(&grid).unwrap();
    // 12 images at 10 per row: two rows of captioned, scaled-up images.
    assert!(
        g.width() >= 800 && g.height() >= 2 * 84,
        "{}x{}",
        g.width(),
        g.height()
    );
    let c = image::open(&cm).unwrap();
    assert!(c.width() >= 600 && c.height() >= 600);
    assert!(f.hidden_files().is_empty(), "{:?}", f.hidden_files());

    let train_split = ok(&[
        "eval",
        "--json",
        "--model",
        s(&model),
        "--data",
        s(&data),
        "--split",
        "train",
    ]);
    let t: serde_json::Value = serde_json::from_str(&train_split).unwrap();
    assert_eq!(t["samples"], 300);
    fails(
        &[
            "eval",
            "--model",
            s(&model),
            "--data",
            s(&data),
            "--limit",
            "0",
        ],
        2,
        &["--limit"],
    );
}

#[test]
fn show_prints_a_dataset_image_and_writes_a_png() {
    let f = Fixture::new();
    let data = f.data();
    let png = f.path("seven.png");
    let out = ok(&[
        "show",
        "--data",
        s(&data),
        "--index",
        "5",
        "--split",
        "train",
        "--png",
        s(&png),
        "--scale",
        "5",
    ]);
    assert!(out.contains("label"), "{out}");
    assert_eq!(out.lines().count(), 1 + 8 + 2, "{out}");
    assert!(out.contains("@@"), "{out}");
    let img = image::open(&png).unwrap().to_luma8();
    assert_eq!(img.dimensions(), (40, 40));
    fails(
        &["show", "--data", s(&data), "--index", "100"],
        2,
        &["--index", "100"],
    );
    fails(
        &[
            "show",
            "--data",
            s(&data),
            "--index",
            "300",
            "--split",
            "train",
        ],
        2,
        &["--index"],
    );
    assert!(f.hidden_files().is_empty());
}

/// `mlp show --augment` writes a grid of the image and its distortions: the
/// first cell the image itself, the others differing from it and each other,
/// the same again for the same seed.
#[test]
fn show_augment_writes_a_grid_of_distortions() {
    let f = Fixture::new();
    let data = f.data();
    let png = f.path("grid.png");
    let args = [
        "show",
        "--data",
        s(&data),
        "--index",
        "5",
        "--split",
        "train",
        "--png",
        s(&png),
        "--scale",
        "2",
        "--augment",
        "affine+elastic",
        "--count",
        "5",
        "--elastic-sigma",
        "1.5",
        "--elastic-alpha",
        "2",
    ];
    let out = ok(&args);
    assert!(out.contains("5 distortions (affine+elastic)"), "{out}");
    let img = image::open(&png).unwrap().to_luma8();
    // 6 cells of 8x8 pixels at scale 2 with gaps of 4: one row.
    let (cw, gap) = (8 * 2 + 4, 4);
    assert_eq!(img.dimensions(), ((6 * cw + gap) as u32, (cw + gap) as u32));
    let cell = |k: usize| -> Vec<u8> {
        let mut v = Vec::new();
        for y in 0..16 {
            for x in 0..16 {
                v.push(img.get_pixel((gap + k * cw + x) as u32, (gap + y) as u32)[0]);
            }
        }
        v
    };
    for k in 1..6 {
        assert_ne!(cell(k), cell(0), "distortion {k} is the image");
    }
    assert_ne!(cell(1), cell(2));
    let first = std::fs::read(&png).unwrap();
    ok(&args);
    assert_eq!(
        std::fs::read(&png).unwrap(),
        first,
        "seeded: the same grid again"
    );
    fails(
        &[
            "show",
            "--data",
            s(&data),
            "--index",
            "5",
            "--augment",
            "elastic",
        ],
        2,
        &["--png"],
    );
    fails(
        &["show", "--data", s(&data), "--index", "5", "--count", "3"],
        2,
        &["--count"],
    );
    assert!(f.hidden_files().is_empty());
}

/// Writes a `rows x cols` image with a 4-pixel margin, scaled by `k`, dark ink on white, as a PNG.
fn redraw(path: &Path, pixels: &[u8], rows: usize, cols: usize, k: u32) {
    let (rows, cols) = (rows + 8, cols + 8);
    let img = image::GrayImage::from_fn(cols as u32, rows as u32, |x, y| {
        let (x, y) = (x as usize, y as usize);
        let inside = (4..cols - 4).contains(&x) && (4..rows - 4).contains(&y);
        image::Luma([if inside {
            255 - pixels[(y - 4) * (cols - 8) + x - 4]
        } else {
            255
        }])
    });
    let big = image::imageops::resize(
        &img,
        cols as u32 * k,
        rows as u32 * k,
        image::imageops::FilterType::Triangle,
    );
    big.save(path).unwrap();
}

#[test]
fn predict_answers_each_file_and_fails_on_bad_ones() {
    let f = Fixture::new();
    let model = f.path("m.safetensors");
    f.train(&["--save", s(&model)]);
    let mnist = mnist_idx::Mnist::open(f.data()).unwrap();
    let good = f.path("digit.png");
    redraw(&good, mnist.test.image(0), 8, 8, 4);
    let blank = f.path("blank.png");
    image::GrayImage::from_pixel(30, 30, image::Luma([255]))
        .save(&blank)
        .unwrap();
    let junk = f.path("junk.png");
    std::fs::write(&junk, b"not an image").unwrap();
    let absent = f.path("absent.png");

    let out = mlp()
        .args(["predict", "--show", "--model", s(&model)])
        .args([s(&junk), s(&good), s(&blank), s(&absent)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(err.trim().lines().count(), 3, "{err}");
    for name in ["junk.png", "blank.png", "absent.png"] {
        assert!(err.contains(name), "{err}");
    }
    assert!(err.contains("blank"), "{err}");
    assert!(!err.contains("panicked"));
    assert!(stdout.contains("digit.png: "), "{stdout}");
    assert!(stdout.contains("scores"), "{stdout}");
    assert!(
        stdout.contains("+----------------+"),
        "--show art: {stdout}"
    );

    let out = ok(&["predict", "--json", "--model", s(&model), s(&good)]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let e = &v[0];
    assert_eq!(e["scores"].as_array().unwrap().len(), 10);
    let digit = e["prediction"].as_u64().unwrap() as usize;
    let scores: Vec<f64> = e["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert!(scores.iter().all(|&x| x <= scores[digit]));
}

#[test]
#[ignore = "needs MNIST_DIR (the four raw MNIST files)"]
fn predict_agrees_with_eval_on_redrawn_mnist_digits() {
    let dir = std::env::var_os("MNIST_DIR").unwrap_or_else(|| {
        panic!("MNIST_DIR is not set: point it at the MNIST folder, or run `cargo xtask test`")
    });
    let dir = PathBuf::from(dir);
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("m.safetensors");
    ok(&[
        "train",
        "--quiet",
        "--hidden",
        "64",
        "--lr",
        "0.1",
        "--epochs",
        "2",
        "--train-samples",
        "5000",
        "--data",
        s(&dir),
        "--save",
        s(&model),
    ]);
    let m = mlp_engine::model::load(&model).unwrap();
    let data = mlp_engine::LoadedData::open(&dir).unwrap();
    let eval = mlp_engine::evaluate(&m.network, m.case(), &data.test);
    let n = 50;
    let mut files = Vec::new();
    for i in 0..n {
        let p = tmp.path().join(format!("digit-{i}.png"));
        redraw(&p, &data.source.test.picture(i), 28, 28, 3);
        files.push(p);
    }
    let mut args = vec!["predict", "--json", "--model", s(&model)];
    args.extend(files.iter().map(|p| s(p)));
    let v: serde_json::Value = serde_json::from_str(&ok(&args)).unwrap();
    let agree = (0..n)
        .filter(|&i| v[i]["prediction"].as_u64() == Some(eval.predictions[i] as u64))
        .count();
    eprintln!("predict agrees with eval on {agree} of {n} redrawn digits");
    assert!(agree * 10 >= n * 9, "only {agree} of {n} agree");
}

/// `mlp ensemble`: a committee of one model twice votes as the model; two
/// models give each member's figures beside the committee's; bad lists are
/// one-line usage errors.
#[test]
fn ensemble_prints_each_member_and_the_committee() {
    let f = Fixture::new();
    let data = f.data();
    let train = |seed: &str, path: &Path| {
        let mut args = TRAIN.to_vec();
        args.extend(["--data", s(&data), "--seed", seed, "--save", s(path)]);
        ok(&args);
    };
    let (a, b) = (f.path("a.safetensors"), f.path("b.safetensors"));
    train("1", &a);
    train("2", &b);
    let json = |models: &[&Path]| -> serde_json::Value {
        let mut args = vec!["ensemble", "--json", "--data", s(&data)];
        for m in models {
            args.extend(["--model", s(m)]);
        }
        serde_json::from_str(&ok(&args)).unwrap()
    };
    let eval_a: serde_json::Value = serde_json::from_str(&ok(&[
        "eval",
        "--json",
        "--model",
        s(&a),
        "--data",
        s(&data),
    ]))
    .unwrap();
    let twice = json(&[&a, &a]);
    assert_eq!(twice["committee"]["members"], 2);
    assert_eq!(twice["committee"]["misclassified"], eval_a["misclassified"]);
    assert_eq!(twice["committee"]["confusion"], eval_a["confusion"]);
    let both = json(&[&a, &b]);
    assert_eq!(both["members"][0]["error_pct"], eval_a["error_pct"]);
    assert_eq!(both["members"].as_array().unwrap().len(), 2);
    let table = ok(&[
        "ensemble",
        "--model",
        s(&a),
        "--model",
        s(&b),
        "--data",
        s(&data),
    ]);
    assert!(table.contains("mean scores of 2 members"), "{table}");
    assert!(
        table.contains("a.safetensors") && table.contains("b.safetensors"),
        "{table}"
    );
    fails(&["ensemble", "--data", s(&data)], 2, &["--model"]);
    let missing = f.path("none.safetensors");
    fails(
        &["ensemble", "--model", s(&missing), "--data", s(&data)],
        1,
        &["--model", "none.safetensors"],
    );
}
