//! The identity of a configuration and of a run, as results files record it.

use mlp_engine::TrainConfig;

/// The identity of a configuration: equal keys mean equal configurations.
pub fn config_key(config: &TrainConfig) -> String {
    // The key is spelled in the flat, written form, as it always has been.
    let c = config.fields();
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

/// `key` as this version spells it. Adam with decoupled decay was keyed
/// `opt=adamw` by earlier versions and is `opt=adam` now (the same
/// optimiser), so that a resumed sweep still recognises those runs.
pub(crate) fn current_spelling(key: &str) -> String {
    key.split('|')
        .map(|part| {
            if part == "opt=adamw" {
                "opt=adam"
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join("|")
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
        mini.data.batch = 64;
        mini.network.bias = true;
        assert_eq!(
            run_key(&mini, Some(32)),
            "tanh|N=300|lr=0.01|K=60000|l2=0|E=50|exact|seed=1|shuffle=false|eval=0|bias|B=64|block=none"
        );
        assert_ne!(config_key(&mini), config_key(&study));
    }

    /// A run keyed `opt=adamw` by an earlier version is the run of an
    /// `adamw` configuration today.
    #[test]
    fn an_earlier_adamw_key_is_todays_key_of_the_same_configuration() {
        let adamw = mlp_engine::ConfigFields {
            batch: 64,
            optimizer: mlp_engine::OptimizerKind::AdamW,
            weight_decay: 1e-4,
            ..mlp_engine::ConfigFields::new(Case::Tanh)
        };
        let earlier = "tanh|N=300|lr=0.01|K=60000|l2=0|E=50|exact|seed=1|shuffle=false|eval=0|B=64|opt=adamw|wd=0.0001|block=none";
        let today = run_key(&adamw.resolve().unwrap(), Some(32));
        assert_eq!(current_spelling(earlier), today);
        assert_ne!(earlier, today);
        assert_eq!(current_spelling(&today), today);
    }
}
