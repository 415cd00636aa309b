//! `aws-profile`: the AWS profile the SDK will use exists and can produce credentials: SSO session and
//! token-cache expiry, `credential_process` present, role chains complete. Codex hides all of these
//! behind "an error occurred while loading credentials" (reference §5.3).

use super::{Check, CheckMeta, Fixable, Kind, Runner, bedrock, closest, headline, report_fatal};
use crate::codex::ProfileSource;
use crate::codex::{AuthMethod, AuthSource, PROFILE_CREDENTIAL_KEYS};
use crate::fix::{Edit, Fix, FixOptions, locate_key};
use crate::meta::CheckId;
use crate::platform::Platform;
use crate::report::{Finding, Outcome};
use crate::session::Session;
use crate::timeutil::{format_utc, human_duration};

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::AwsProfile,
        group: "auth",
        kind: Kind::Offline,
        fixable: Fixable::Unsafe,
        lint: false,
        summary: "the selected AWS profile exists; SSO session and token-cache expiry; credential_process present; role chains",
        doc: include_str!("../../checks/aws-profile.md"),
    },
    run: Runner::Offline(run),
    fixes: Some(fixes),
};

/// On Windows the SDK's home is `HOME` when one is set, Codex's the profile folder: the profile may
/// then be looked for in another `.aws` than the user expects beside `.codex`.
fn split_homes(ctx: &Session) -> Option<String> {
    let (Some(aws_home), Some(home)) = (&ctx.aws_home, &ctx.home) else { return None };
    (ctx.platform == Platform::Windows && aws_home != home).then(|| {
        format!(
            "the AWS SDK reads .aws under HOME ({}), not under the profile folder ({}) where Codex keeps .codex",
            aws_home.display(),
            home.display()
        )
    })
}

fn run(ctx: &Session) -> Outcome {
    if let Err(skip) = bedrock(ctx) {
        return skip.into();
    }
    let Some(auth) = &ctx.prediction.auth else { return Outcome::skip("no credentials are sent") };
    if auth.method != AuthMethod::Sigv4 || !matches!(auth.source, AuthSource::ConfigProfile | AuthSource::SdkChain) {
        return Outcome::skip(format!("credentials come from {}, not an AWS profile", auth.source.as_str()));
    }
    let selection = &ctx.aws_profile;
    let name = selection.name.as_str();
    let mut out = Outcome::pass(format!("profile `{name}` (selected by {})", selection.source));
    out.set("profile", name);
    out.set("selected_by", selection.source.to_string());
    out.set("config_file", ctx.aws.config.path.display().to_string());
    if let Some(note) = split_homes(ctx) {
        out.push(Finding::info(note));
    }
    if let Some(e) = &ctx.aws.load_error {
        return out.with(
            Finding::fail(format!("the AWS config files do not parse: {e}")).fix("Fix the file at the position shown"),
        );
    }
    let Some(set) = &ctx.aws.profiles else { return out };
    let known: Vec<&str> = set.profiles().collect();
    let suggestion = closest(name, known.iter().copied(), 3);
    let remedy = match suggestion {
        Some(s) => {
            format!("Use the existing profile `{s}`, or create `{name}` with `aws configure sso --profile {name}`")
        }
        None => format!("Create it with `aws configure sso --profile {name}` (profiles found: {})", known.join(", ")),
    };
    if set.get_profile(name).is_none() {
        report_fatal(ctx, CheckId::AwsProfile, &mut out, &remedy);
    }
    if name.is_empty() {
        out.push(
            Finding::fail("aws.profile is set to an empty string: the SDK looks for a profile named \"\"")
                .fix("Remove the empty `profile` line"),
        );
    }
    let Some(profile) = set.get_profile(name) else {
        if selection.source == ProfileSource::Default {
            out.summary = "no AWS profile selected and no [default] profile".into();
        }
        return out;
    };

    if !PROFILE_CREDENTIAL_KEYS.iter().any(|k| profile.get(k).is_some()) {
        out.push(
            Finding::warn(format!("profile `{name}` has no credentials (no keys, SSO, role or credential_process): the SDK falls through to instance metadata"))
                .fix(format!("Configure it: `aws configure sso --profile {name}` or add keys to ~/.aws/credentials")),
        );
    }
    if let Some(session) = profile.get("sso_session")
        && set.sso_session(session).is_none()
    {
        out.push(
            Finding::fail(format!(
                "profile `{name}` names sso_session `{session}`, but there is no [sso-session {session}] section"
            ))
            .fix(format!("Run `aws configure sso-session` to create `{session}`")),
        );
    }
    // SSO tokens of the profile and its source chain.
    // The prediction says Codex stops on a token that cannot load (a fact of the context, decided in
    // `prediction::auth`): that finding fails and carries Codex's text; an expired token the SDK can
    // still refresh only warns.
    let stops = ctx.prediction.fatal_for(CheckId::AwsProfile).next().map(|f| f.text.clone());
    if let Some(text) = &stops {
        out.set("codex_error", text.clone());
    }
    for (profile_name, token) in &ctx.aws.sso_tokens {
        let login = format!("aws sso login --profile {profile_name}");
        let cause = match (token.expires_at, &token.problem) {
            (Some(exp), _) if exp <= ctx.now => format!(
                "the SSO token of profile `{profile_name}` expired at {} ({} ago)",
                format_utc(exp),
                human_duration(exp - ctx.now)
            ),
            (Some(exp), _) => {
                out.set("sso_token_expires", format_utc(exp));
                continue;
            }
            (None, Some(problem)) => format!("no usable cached SSO token for profile `{profile_name}` ({problem})"),
            (None, None) => continue,
        };
        let finding = match &stops {
            Some(text) if token.unusable_at(ctx.now) => {
                Finding::fail(format!("{cause}; Codex stops: {}", headline(text)))
            }
            _ if token.refresh_until.is_some() => Finding::warn(format!(
                "{cause}; the SDK will try to refresh it with the cached refresh token (needs the SSO OIDC endpoint), otherwise Codex says only \"an error occurred while loading credentials\""
            )),
            _ => Finding::warn(format!("{cause}; Codex will say only \"an error occurred while loading credentials\"")),
        };
        out.push(finding.fix(login));
    }
    for (command, found) in &ctx.aws.process_commands {
        if !found {
            out.push(
                Finding::fail(format!("credential_process command `{command}` is not found"))
                    .fix("Install it or fix the path in ~/.aws/config"),
            );
        }
    }
    // Role chains: every source_profile exists, and the chain ends.
    let mut chain = vec![name.to_owned()];
    let mut current = profile;
    while let Some(source) = current.get("source_profile") {
        if chain.iter().any(|c| c == source) {
            if source != chain.last().map_or("", |s| s.as_str()) || current.get("aws_access_key_id").is_none() {
                out.push(Finding::fail(format!("source_profile chain loops: {} → {source}", chain.join(" → "))));
            }
            break;
        }
        chain.push(source.to_owned());
        match set.get_profile(source) {
            Some(next) => current = next,
            None => {
                out.push(
                    Finding::fail(format!(
                        "profile `{}` names source_profile `{source}`, which does not exist",
                        chain[chain.len() - 2]
                    ))
                    .fix(format!("Create profile `{source}` or fix source_profile")),
                );
                break;
            }
        }
    }
    if chain.len() > 1 {
        out.set("role_chain", chain);
    }
    if profile.get("role_arn").is_some()
        && profile.get("source_profile").is_none()
        && profile.get("credential_source").is_none()
        && profile.get("web_identity_token_file").is_none()
    {
        out.push(
            Finding::fail(format!("profile `{name}` has role_arn but no source_profile or credential_source"))
                .fix("Add `source_profile = NAME`"),
        );
    }
    out
}

/// `--aws-profile NAME` pins `aws.profile` (asked for; from Codex 0.150 it then outranks every other
/// credential source but the provider `auth` command).
fn fixes(ctx: &Session, options: &FixOptions) -> Vec<Fix> {
    let (Some(profile), Ok(kind)) = (&options.aws_profile, bedrock(ctx)) else { return Vec::new() };
    let logical = crate::prediction::provider_path(kind.id(), &["aws", "profile"]);
    let Some((file, path)) = locate_key(ctx, &logical) else { return Vec::new() };
    let mut fix = Fix::unsafe_edit(
        CheckId::AwsProfile,
        format!("Set `{} = \"{profile}\"`", logical.join(".")),
        file,
        Edit::Set { path, value: profile.as_str().into() },
    )
    .requested(true);
    if !ctx.aws_profile_exists(profile) {
        fix = fix.note(format!(
            "there is no AWS profile `{profile}` yet: create it with `aws configure sso --profile {profile}`"
        ));
    }
    vec![fix]
}
