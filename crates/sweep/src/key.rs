//! The identity of a configuration and of a run, as results files record it.

use mlp_engine::TrainConfig;

/// The identity of a configuration: equal keys mean equal configurations.
pub fn config_key(c: &TrainConfig) -> String {
    let mut key = format!(
        "{}|N={}|lr={}|K={}|l2={}|E={}|{}|seed={}|shuffle={}|eval={}",
        c.case,
        c.hidden,
        c.lr,
        c.train_samples,
        c.l2,
        c.epochs,
        c.backprop,
        c.seed,
        c.shuffle,
        c.eval_every
    );
    // Fields beyond the study's appear only away from their defaults, so the
    // study's keys are the ones written before those fields existed.
    for part in c.general_parts() {
        key.push('|');
        key.push_str(&part);
    }
    key
}

/// The identity of a run: its configuration and the block size of held-back
/// updates it ran with (which changes results at the rounding level), so that
/// a sweep resumed with another block size never counts the old runs as its own.
/// Minibatch runs hold nothing back, so their key says `block=none` whatever is asked.
pub fn run_key(c: &TrainConfig, block_samples: Option<usize>) -> String {
    let block_samples = if c.is_online_study() {
        block_samples
    } else {
        None
    };
    match block_samples {
        Some(b) => format!("{}|block={b}", config_key(c)),
        None => format!("{}|block=none", config_key(c)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlp_engine::Case;

    #[test]
    fn keys_of_the_study_are_unchanged_and_minibatch_runs_hold_no_block() {
        let study = TrainConfig::new(Case::Tanh);
        assert_eq!(
            run_key(&study, Some(32)),
            "tanh|N=300|lr=0.01|K=60000|l2=0|E=50|exact|seed=1|shuffle=false|eval=0|block=32"
        );
        let mut mini = study.clone();
        mini.batch = 64;
        mini.bias = true;
        assert_eq!(
            run_key(&mini, Some(32)),
            "tanh|N=300|lr=0.01|K=60000|l2=0|E=50|exact|seed=1|shuffle=false|eval=0|bias|B=64|block=none"
        );
        assert_ne!(config_key(&mini), config_key(&study));
    }
}
