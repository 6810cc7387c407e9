//! What a network is made of: hidden widths, activations, loss and initialisation.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// The widths of the hidden layers, input side first (`800`, or `500-300`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Layers(Vec<usize>);

impl Layers {
    /// One hidden layer of `width` units.
    pub fn one(width: usize) -> Layers {
        Layers(vec![width])
    }

    /// Layers of the given widths; `None` when there are none or one is zero.
    pub fn new(widths: Vec<usize>) -> Option<Layers> {
        (!widths.is_empty() && widths.iter().all(|&w| w > 0)).then_some(Layers(widths))
    }

    /// The widths, input side first.
    pub fn widths(&self) -> &[usize] {
        &self.0
    }

    /// The first hidden layer's width (the study's N).
    pub fn first(&self) -> usize {
        self.0[0]
    }

    /// How many hidden layers.
    pub fn depth(&self) -> usize {
        self.0.len()
    }

    /// Every layer's width from inputs to outputs.
    pub fn sizes(&self, inputs: usize, outputs: usize) -> Vec<usize> {
        let mut s = Vec::with_capacity(self.0.len() + 2);
        s.push(inputs);
        s.extend_from_slice(&self.0);
        s.push(outputs);
        s
    }
}

impl From<usize> for Layers {
    fn from(width: usize) -> Layers {
        Layers::one(width)
    }
}

impl fmt::Display for Layers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|w| w.to_string()).collect();
        f.write_str(&parts.join("-"))
    }
}

impl FromStr for Layers {
    type Err = crate::ParseError;
    fn from_str(s: &str) -> Result<Layers, Self::Err> {
        let widths: Result<Vec<usize>, _> =
            s.split('-').map(|p| p.trim().parse::<usize>()).collect();
        widths.ok().and_then(Layers::new).ok_or_else(|| {
            crate::ParseError(format!(
                "'{s}' is not a list of hidden widths like 800 or 500-300 (each at least 1)"
            ))
        })
    }
}

impl Serialize for Layers {
    /// One layer as a number (as every record before deeper nets), more as "500-300".
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [w] => s.serialize_u64(*w as u64),
            _ => s.serialize_str(&self.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for Layers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Layers, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Width(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Width(w) => Layers::new(vec![w as usize])
                .ok_or_else(|| serde::de::Error::custom("a hidden width must be at least 1")),
            Raw::Text(t) => t.parse().map_err(serde::de::Error::custom),
        }
    }
}

macro_rules! named_enum {
    ($(#[$m:meta])* $name:ident, $what:literal, { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $s)] $v),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            /// The command-line name.
            pub fn name(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl FromStr for $name {
            type Err = crate::ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL.iter().copied().find(|v| v.name() == s).ok_or_else(|| {
                    let names: Vec<&str> = $name::ALL.iter().map(|v| v.name()).collect();
                    crate::ParseError(format!("unknown {} '{s}' (expected {})", $what, names.join(", ")))
                })
            }
        }
    };
}
pub(crate) use named_enum;

named_enum!(
    /// A hidden layer's activation.
    Activation, "activation", {
        /// max(0, z).
        #[default]
        Relu = "relu",
        /// tanh(z).
        Tanh = "tanh",
        /// 1 / (1 + e^-z).
        Sigmoid = "sigmoid",
    }
);

named_enum!(
    /// What training minimises.
    Loss, "loss", {
        /// Half the squared error against the case's target encoding, through its output activation.
        #[default]
        Mse = "mse",
        /// Softmax outputs and the cross-entropy of the label.
        CrossEntropy = "cross-entropy",
    }
);

impl Loss {
    /// The loss as a column or a sentence names it: `MSE`, `cross-entropy`.
    pub fn label(self) -> &'static str {
        match self {
            Loss::Mse => "MSE",
            Loss::CrossEntropy => "cross-entropy",
        }
    }
}

/// How weights start (biases start at zero).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub enum Init {
    /// Every weight from U(-a, a) (the study's is a = 0.01).
    Uniform(f64),
    /// Glorot and Bengio 2010: U(-s, s) with s = sqrt(6 / (fan_in + fan_out)).
    Glorot,
    /// He et al. 2015 for ReLU, in its uniform form: U(-s, s) with s = sqrt(6 / fan_in).
    He,
}

impl Default for Init {
    fn default() -> Init {
        Init::Uniform(0.01)
    }
}

impl Init {
    /// The half-width of the uniform draw for a layer of `fan_in` inputs and `fan_out` outputs.
    pub fn half_width(self, fan_in: usize, fan_out: usize) -> f32 {
        match self {
            Init::Uniform(a) => a as f32,
            Init::Glorot => (6.0 / (fan_in + fan_out) as f64).sqrt() as f32,
            Init::He => (6.0 / fan_in as f64).sqrt() as f32,
        }
    }
}

impl fmt::Display for Init {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Init::Uniform(a) => write!(f, "uniform:{a}"),
            Init::Glorot => f.write_str("glorot"),
            Init::He => f.write_str("he"),
        }
    }
}

impl FromStr for Init {
    type Err = crate::ParseError;
    fn from_str(s: &str) -> Result<Init, Self::Err> {
        match s {
            "glorot" => Ok(Init::Glorot),
            "he" => Ok(Init::He),
            _ => match s.strip_prefix("uniform:").map(str::parse::<f64>) {
                Some(Ok(a)) if a.is_finite() && a > 0.0 => Ok(Init::Uniform(a)),
                _ => Err(crate::ParseError(format!(
                    "unknown init '{s}' (expected uniform:A with A > 0, glorot or he)"
                ))),
            },
        }
    }
}

impl Serialize for Init {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Init {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Init, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_parse_print_and_serialise_one_layer_as_a_number() {
        let deep: Layers = "500-300".parse().unwrap();
        assert_eq!(deep.widths(), &[500, 300]);
        assert_eq!(deep.to_string(), "500-300");
        assert_eq!(serde_json::to_string(&deep).unwrap(), "\"500-300\"");
        assert_eq!(serde_json::to_string(&Layers::one(800)).unwrap(), "800");
        let back: Layers = serde_json::from_str("300").unwrap();
        assert_eq!(back, Layers::one(300));
        assert!("500-0".parse::<Layers>().is_err());
        assert!("".parse::<Layers>().is_err());
        assert_eq!(deep.sizes(784, 10), vec![784, 500, 300, 10]);
    }

    #[test]
    fn names_round_trip() {
        for &a in Activation::ALL {
            assert_eq!(a.name().parse::<Activation>().unwrap(), a);
        }
        assert!("softplus"
            .parse::<Activation>()
            .unwrap_err()
            .to_string()
            .contains("relu, tanh, sigmoid"));
        for s in ["uniform:0.01", "glorot", "he"] {
            assert_eq!(s.parse::<Init>().unwrap().to_string(), s);
        }
        assert!("uniform:-1".parse::<Init>().is_err());
        assert_eq!(Init::He.half_width(6, 1), 1.0);
        assert_eq!(Init::Glorot.half_width(3, 3), 1.0);
    }
}
