//! `bearer-token`: the Bedrock API key in use, decoded offline — a short-term key's region and expiry
//! (`X-Amz-Date` + `X-Amz-Expires`), a mismatch with the region Codex will send to, long-term keys,
//! stray whitespace (reference §4.1).

use super::{Check, CheckMeta, Fixable, Kind, Runner, bedrock};
use crate::bearer::{KeyInfo, inspect};
use crate::codex::AuthSource;
use crate::context::ManagedAuth;
use crate::env_vars::AWS_BEARER_TOKEN_BEDROCK;
use crate::meta::CheckId;
use crate::report::{Finding, Outcome};
use crate::session::Session;
use crate::timeutil::{format_utc, human_duration};

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::BearerToken,
        group: "auth",
        kind: Kind::Offline,
        fixable: Fixable::No,
        lint: false,
        summary: "a Bedrock API key decoded offline: region, expiry, mismatch with the resolved region, long-term key, whitespace",
        doc: include_str!("../../checks/bearer-token.md"),
    },
    run: Runner::Offline(run),
    fixes: None,
};

/// Keys younger than this before expiry get a warning: a Codex session can outlive them.
const EXPIRY_WARNING_SECS: i64 = 3600;

fn run(ctx: &Session) -> Outcome {
    if let Err(skip) = bedrock(ctx) {
        return skip.into();
    }
    let winning = ctx.prediction.auth.as_ref().map(|a| a.source);
    let (raw, source, label) = match (winning, &ctx.auth_json.managed, ctx.env.value(AWS_BEARER_TOKEN_BEDROCK)) {
        (Some(AuthSource::ManagedApiKey), Some(ManagedAuth::ApiKey { api_key, .. }), _) => {
            (api_key.clone(), AuthSource::ManagedApiKey, "the managed API key".to_owned())
        }
        (_, _, Some(value)) => {
            let src = if ctx.env.label(AWS_BEARER_TOKEN_BEDROCK).starts_with("dotenv") {
                AuthSource::DotenvBearer
            } else {
                AuthSource::EnvBearer
            };
            let origin = if src == AuthSource::DotenvBearer { " (from .env)" } else { "" };
            (value.to_owned(), src, format!("AWS_BEARER_TOKEN_BEDROCK{origin}"))
        }
        _ => return Outcome::skip("no Bedrock API key set"),
    };
    let in_use = winning == Some(source);
    let key = raw.trim();
    let mut out = Outcome::pass(format!("{label}: "));
    if key.is_empty() {
        out.summary = format!("{label} is empty: Codex treats it as unset");
        return out;
    }
    if !in_use {
        out.push(Finding::info(format!("{label} is set but not used (see auth-source)")));
    }
    if key != raw {
        out.push(Finding::info(format!(
            "{label} has leading or trailing whitespace: Codex trims it, other AWS tools may not"
        )));
    }
    if key.contains(char::is_whitespace) {
        out.push(
            Finding::fail(format!("{label} contains whitespace inside the key: it was pasted broken"))
                .fix("Copy the key again as one line"),
        );
    }
    let resolved = ctx.prediction.region.as_ref().map(|r| r.value.trim().to_owned());
    let regenerate =
        "Generate a new key in the Bedrock console (API keys) or with aws-bedrock-token-generator, then update it";
    match inspect(key) {
        KeyInfo::ShortTerm { region, issued, expires, well_formed } => {
            out.summary = format!("{label}: short-term key");
            if let Some(r) = &region {
                out.set("key_region", r.clone());
                out.summary.push_str(&format!(" for {r}"));
            }
            if let Some(i) = issued {
                out.set("issued", format_utc(i));
            }
            if let Some(e) = expires {
                out.set("expires", format_utc(e));
                let left = e.saturating_sub(ctx.now);
                if left <= 0 {
                    out.push(
                        Finding::fail(format!("{label} expired at {} ({} ago)", format_utc(e), human_duration(left)))
                            .fix(regenerate),
                    );
                } else {
                    out.summary.push_str(&format!(", expires in {}", human_duration(left)));
                    if left < EXPIRY_WARNING_SECS {
                        out.push(Finding::warn(format!("{label} expires in {}", human_duration(left))).fix(regenerate));
                    }
                }
            }
            if !well_formed {
                out.push(Finding::warn(format!(
                    "{label} decodes but is not a CallWithBearerToken credential for `bedrock`"
                )));
            }
            if let (Some(key_region), Some(resolved)) = (&region, &resolved)
                && key_region != resolved
                && in_use
            {
                out.push(
                        Finding::warn(format!(
                            "{label} was issued in {key_region}, but Codex sends it to {resolved} (Codex ignores the key's region)"
                        ))
                        .fix(format!("{}, or generate a key in {resolved}", super::region::set_region(ctx.prediction.table(), key_region))),
                    );
            }
        }
        KeyInfo::ShortTermUndecodable => {
            out.push(Finding::warn(format!("{label} starts like a short-term key but does not decode")).fix(regenerate))
        }
        KeyInfo::LongTerm => out.summary = format!("{label}: long-term key (no expiry visible offline)"),
        KeyInfo::Unknown => out.push(
            Finding::warn(format!(
                "{label} is neither a short-term (`bedrock-api-key-…`) nor a long-term (`ABSK…`) Bedrock API key"
            ))
            .fix(regenerate),
        ),
    }
    out
}
