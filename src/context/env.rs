//! The environment Codex runs with: the shell's variables with `$CODEX_HOME/.env` applied on top
//! (Codex calls `set_var` for each pair, so `.env` wins), minus the `CODEX_*` keys it drops.

use std::collections::BTreeMap;

use super::dotenv::Dotenv;

use crate::codex::EnvSource;
pub use crate::codex::Origin;

/// One effective variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvValue {
    /// The value Codex sees.
    pub value: String,
    /// Where it comes from.
    pub origin: Origin,
    /// The shell's value that `.env` replaced, if any.
    pub shell_value: Option<String>,
}

/// The effective environment.
#[derive(Clone, Debug, Default)]
pub struct EffectiveEnv {
    vars: BTreeMap<String, EnvValue>,
}

impl EffectiveEnv {
    /// Applies `.env` over the process environment.
    pub fn new(process: &BTreeMap<String, String>, dotenv: &Dotenv) -> Self {
        let mut vars: BTreeMap<String, EnvValue> = process
            .iter()
            .map(|(k, v)| (k.clone(), EnvValue { value: v.clone(), origin: Origin::Process, shell_value: None }))
            .collect();
        for (key, value) in dotenv.applied() {
            let shell_value = process.get(key).cloned();
            vars.insert(key.to_owned(), EnvValue { value: value.to_owned(), origin: Origin::Dotenv, shell_value });
        }
        EffectiveEnv { vars }
    }

    /// The variable, if set (possibly to an empty string).
    pub fn get(&self, key: &str) -> Option<&EnvValue> {
        self.vars.get(key)
    }

    /// The value, if set.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.vars.get(key).map(|v| v.value.as_str())
    }

    /// The value trimmed, if set to something other than whitespace (how Codex reads its own variables).
    pub fn trimmed(&self, key: &str) -> Option<&str> {
        self.value(key).map(str::trim).filter(|v| !v.is_empty())
    }

    /// Where the variable's value comes from (`env:KEY` or `dotenv:KEY` in the report).
    pub fn source(&self, var: &'static str) -> EnvSource {
        let origin = self.vars.get(var).map_or(Origin::Process, |v| v.origin);
        EnvSource { var, origin }
    }

    /// `env:KEY` or `dotenv:KEY`: the report's name for where a value came from.
    pub fn label(&self, var: &'static str) -> String {
        self.source(var).to_string()
    }

    /// The plain map, for code that wants one (the AWS profile loader).
    /// The variables whose name starts with `prefix`, with their values, in name order.
    pub fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.vars
            .range(prefix.to_owned()..)
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.as_str(), v.value.as_str()))
    }

    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.vars.iter().map(|(k, v)| (k.clone(), v.value.clone())).collect()
    }
}
