//! The flags of the configuration fields beyond the study's, for `mlp train`
//! (one value each) and `mlp sweep` (comma-separated lists), made from the
//! engine's one table of them (`mlp_engine::general_fields!`).

use clap::Args as ClapArgs;
use mlp_engine::ConfigFields;
use mlp_sweep::GeneralAxes;

macro_rules! general_flags {
    ($($field:ident: $ty:ty = |$c:ident, $v:ident| $set:expr, $tag:literal, $value_name:literal,
        [$($arg:tt)*], $help:literal, $list_help:literal;)+) => {
        /// One value per field; an absent flag keeps the recipe's value.
        #[derive(ClapArgs, Debug, Default)]
        pub struct GeneralFlags {
            $(
                #[doc = $help]
                #[arg(long, value_name = $value_name, allow_negative_numbers = true $($arg)*)]
                $field: Option<$ty>,
            )+
        }

        impl GeneralFlags {
            /// Sets every field a flag gave.
            pub fn apply(&self, config: &mut ConfigFields) {
                $(
                    if let Some(value) = self.$field.clone() {
                        let set = |$c: &mut ConfigFields, $v: $ty| $set;
                        set(config, value);
                    }
                )+
            }
        }

        /// Comma-separated lists; each one given multiplies the grid.
        #[derive(ClapArgs, Debug, Default)]
        pub struct GeneralAxisFlags {
            $(
                #[doc = $list_help]
                #[arg(long, value_delimiter = ',', value_name = $value_name, allow_negative_numbers = true)]
                $field: Vec<$ty>,
            )+
        }

        impl GeneralAxisFlags {
            /// The lists as the sweep's grid axes (an absent flag is no axis).
            pub fn axes(&self) -> GeneralAxes {
                GeneralAxes {
                    $( $field: (!self.$field.is_empty()).then(|| self.$field.clone()), )+
                }
            }
        }
    };
}

mlp_engine::general_fields!(general_flags);

impl GeneralAxisFlags {
    /// True when any list was given.
    pub fn any(&self) -> bool {
        self.axes() != GeneralAxes::default()
    }
}
