//! `mlp_sweep._native`: the Rust side of the `mlp_sweep` Python package.
//!
//! Functions take NumPy arrays in place (uint8, float32 or float64, C
//! order), train without the GIL on a thread of their own while the calling
//! thread watches for Ctrl-C, and raise the CLI's one-line messages as
//! `ValueError`, `FileNotFoundError` or `KeyboardInterrupt`. The Python
//! layer (`python/mlp_sweep`) maps labels to classes and back, and builds
//! the estimator and the DataFrames.

mod arrays;
mod convert;
mod data;
mod errors;
mod interrupt;
mod model;
mod sweep;
mod train;

use pyo3::prelude::*;

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<model::NativeModel>()?;
    m.add_function(wrap_pyfunction!(train::train_arrays, m)?)?;
    m.add_function(wrap_pyfunction!(train::train_data, m)?)?;
    m.add_function(wrap_pyfunction!(model::load_model, m)?)?;
    m.add_function(wrap_pyfunction!(data::load_data, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::sweep, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::read_records, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("FIELDS", mlp_engine::ConfigFields::FIELDS.to_vec())?;
    let recipes: Vec<&str> = mlp_engine::recipe::RECIPES.iter().map(|r| r.name).collect();
    m.add("RECIPES", recipes)?;
    m.add("SIMD", mlp_engine::simd_name())?;
    Ok(())
}
