//! `cargo xtask test`: every test of the workspace, the real-data ones included.
//!
//! The tests that read the real MNIST are `#[ignore]`d, so that a plain
//! `cargo test` without the data reports them as ignored instead of passing
//! them unrun. This command gets the data (as `cargo xtask download` does, into
//! `data/mnist`), points `MNIST_DIR` at it and `MNIST_GZ_DIR` at gzip'd copies
//! (the folder `MNIST_GZ_DIR` already names, or `target/mnist-gz`, made once
//! from the raw files), and runs `cargo test --workspace -- --include-ignored`.
//! Then the Python package's suite: a virtual environment in
//! `target/python-venv` (made, and given what the suite needs, when
//! missing), the package built into it by maturin, and pytest on
//! `bindings/python/tests`. Last, the browser test of `report.html`
//! (`cargo xtask browser-test`: headless Chromium, installed when missing).

use anyhow::{bail, Context, Result};
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Options of `cargo xtask test`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Passed on to the test binaries after `--include-ignored` (a name filter, `--nocapture`, ...)
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "TEST_ARGS"
    )]
    rest: Vec<String>,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let root = crate::workspace_root();
    let data = root.join("data").join("mnist");
    crate::download::ensure(&data).context("cannot get the MNIST data")?;
    let data = data.canonicalize()?;
    let gz = match std::env::var_os("MNIST_GZ_DIR") {
        // The tests run in their crates' folders: a relative path must become absolute here.
        Some(dir) => PathBuf::from(&dir)
            .canonicalize()
            .with_context(|| format!("MNIST_GZ_DIR={} cannot be opened", dir.to_string_lossy()))?,
        None => gzip_copies(&data, &root.join("target").join("mnist-gz"))?,
    };
    eprintln!(
        "MNIST_DIR={} MNIST_GZ_DIR={} cargo test --workspace -- --include-ignored {}",
        data.display(),
        gz.display(),
        args.rest.join(" ")
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .env("MNIST_DIR", &data)
        .env("MNIST_GZ_DIR", &gz)
        // The extension module links against the interpreter that loads it:
        // its tests are the pytest suite below.
        .args(["test", "--workspace", "--exclude", "mlp-sweep-python"])
        .args(["--", "--include-ignored"])
        .args(&args.rest)
        .status()
        .context("cannot run cargo test")?;
    if !status.success() {
        bail!("cargo test failed");
    }
    python_tests(&root)?;
    crate::browser_test::run(crate::browser_test::Args::default())
}

/// What the Python suite needs, installed into its environment when missing.
const PYTHON_NEEDS: &[&str] = &[
    "maturin>=1.9,<2",
    "numpy",
    "scikit-learn",
    "pandas",
    "pytest",
    "ruff",
    "mypy",
];

/// Builds the Python package into `target/python-venv` and runs its pytest suite.
fn python_tests(root: &Path) -> Result<()> {
    let venv = root.join("target").join("python-venv");
    let python = venv.join("bin").join("python");
    let run = |cmd: &mut Command, what: &str| -> Result<()> {
        let status = cmd.status().with_context(|| format!("cannot {what}"))?;
        if !status.success() {
            bail!("{what} failed");
        }
        Ok(())
    };
    if !python.exists() {
        let base = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        run(
            Command::new(&base).args(["-m", "venv"]).arg(&venv),
            &format!("make a virtual environment with {base} -m venv"),
        )?;
    }
    let has_all = Command::new(&python)
        .args([
            "-c",
            "import maturin, numpy, sklearn, pandas, pytest, ruff, mypy",
        ])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_all {
        eprintln!(
            "installing into {}: {}",
            venv.display(),
            PYTHON_NEEDS.join(" ")
        );
        run(
            Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args(PYTHON_NEEDS),
            "install the Python suite's packages",
        )?;
    }
    eprintln!(
        "maturin develop --release (bindings/python) into {}",
        venv.display()
    );
    run(
        Command::new(venv.join("bin").join("maturin"))
            .current_dir(root.join("bindings").join("python"))
            .env("VIRTUAL_ENV", &venv)
            .args(["develop", "--release", "--quiet"]),
        "build the Python package",
    )?;
    // The suite compares the package with the CLI built by the tests above.
    let mlp = root.join("target").join("debug").join("mlp");
    eprintln!(
        "MLP_BIN={} python -m pytest bindings/python/tests",
        mlp.display()
    );
    run(
        Command::new(&python)
            .current_dir(root)
            .env("MLP_BIN", &mlp)
            .args([
                "-m",
                "pytest",
                "bindings/python/tests",
                "-q",
                "-p",
                "no:cacheprovider",
            ]),
        "pytest bindings/python/tests",
    )
}

/// `dest` with a `.gz` copy of each of the four raw files in `raw`, making the missing ones.
fn gzip_copies(raw: &Path, dest: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dest).with_context(|| format!("cannot create {}", dest.display()))?;
    for f in mnist_idx::MNIST_SHA256 {
        let target = dest.join(format!("{}.gz", f.name));
        if target.is_file() {
            continue;
        }
        let source = raw.join(f.name);
        let bytes =
            std::fs::read(&source).with_context(|| format!("cannot read {}", source.display()))?;
        let mut tmp = tempfile::NamedTempFile::new_in(dest)?;
        let mut gz = GzEncoder::new(tmp.as_file_mut(), Compression::fast());
        gz.write_all(&bytes)?;
        gz.finish()?;
        tmp.persist(&target)
            .with_context(|| format!("cannot write {}", target.display()))?;
    }
    Ok(dest.canonicalize()?)
}
