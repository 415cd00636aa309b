//! What a check is, apart from what it does: its typed id, kind, fixability and page.
//!
//! These types live below the checks so that everything that names a check (the prediction's fatal
//! steps, fixes, the report, the renderers) can do so without importing the checks themselves. The
//! registry (`checks::CHECKS`) pairs each [`CheckId`] with its code; a test there keeps the two lists
//! one-to-one and in the same order.

use std::fmt;

/// Declares the check ids once: the enum, its spellings and its order (the run order of PRODUCT.md).
macro_rules! check_ids {
    ($($variant:ident => $id:literal,)*) => {
        /// A check's stable id (PRODUCT.md).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum CheckId {
            $(
                #[doc = concat!("`", $id, "`")]
                $variant,
            )*
        }

        impl CheckId {
            /// Every id, in registry order (`policy`, the lint-only pseudo-check, last).
            pub const ALL: &[CheckId] = &[$(CheckId::$variant,)*];

            /// The kebab-case spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(CheckId::$variant => $id,)*
                }
            }
        }
    };
}

check_ids! {
    CodexVersion => "codex-version",
    AppVersions => "app-versions",
    ConfigFile => "config-file",
    ConfigProfile => "config-profile",
    ModelProvider => "model-provider",
    ProviderOverrides => "provider-overrides",
    UnknownKeys => "unknown-keys",
    WireApi => "wire-api",
    WebSearch => "web-search",
    ModelId => "model-id",
    CodexDotenv => "codex-dotenv",
    AuthSource => "auth-source",
    BearerToken => "bearer-token",
    Region => "region",
    ModelRegion => "model-region",
    AwsProfile => "aws-profile",
    Endpoint => "endpoint",
    SecretsInConfig => "secrets-in-config",
    Credentials => "credentials",
    StsIdentity => "sts-identity",
    ModelAccess => "model-access",
    ResponsesProbe => "responses-probe",
    Policy => "policy",
}

impl CheckId {
    /// The id of that spelling (command-line input).
    pub fn parse(s: &str) -> Option<CheckId> {
        CheckId::ALL.iter().copied().find(|id| id.as_str() == s)
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, so that `{:<18}` in tables aligns as it does for a string.
        f.pad(self.as_str())
    }
}

impl serde::Serialize for CheckId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Offline checks read local state only; live checks talk to AWS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Pure local work.
    Offline,
    /// Network.
    Live,
}

/// Whether `fix` can repair what a check finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fixable {
    /// Never.
    No,
    /// Yes, without changing what Codex does beyond the repair.
    Safe,
    /// Only with `--unsafe` or a value given by flag.
    Unsafe,
    /// Some findings safely, some unsafely.
    Sometimes,
}

impl Fixable {
    /// The `list` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Fixable::No => "no",
            Fixable::Safe => "safe",
            Fixable::Unsafe => "unsafe",
            Fixable::Sometimes => "sometimes",
        }
    }
}

/// What a check is, for `list`, `explain` and the report.
#[derive(Debug)]
pub struct CheckMeta {
    /// Stable id (PRODUCT.md).
    pub id: CheckId,
    /// Group for `list`.
    pub group: &'static str,
    /// Offline or live.
    pub kind: Kind,
    /// Whether `fix` repairs it.
    pub fixable: Fixable,
    /// Whether `lint` runs it on templates (what a file alone decides).
    pub lint: bool,
    /// One line.
    pub summary: &'static str,
    /// The `checks/<id>.md` page.
    pub doc: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for id in CheckId::ALL {
            assert_eq!(CheckId::parse(id.as_str()), Some(*id));
        }
        assert_eq!(CheckId::parse("model_id"), None);
    }
}
