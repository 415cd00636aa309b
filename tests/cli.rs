//! The binary, run in a sealed world (see `common`): predictions across the Codex versions where
//! behaviour changed, bad input, secrets, exit codes and snapshots of every output format.

mod common;

use common::{TestEnv, insta_settings, status};
use serde_json::Value;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

const BEDROCK: &str = "model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.5\"\n";

fn bedrock_with_aws(aws: &str) -> String {
    format!("{BEDROCK}\n[model_providers.amazon-bedrock.aws]\n{aws}\n")
}

fn prediction(report: &Value) -> &Value {
    &report["prediction"]
}

// ---- version-aware rules: the same fixture under the versions on each side of a change ----

#[test]
fn bearer_beats_config_profile_until_0_150() {
    let env = TestEnv::new()
        .config(&bedrock_with_aws("profile = \"dev\"\nregion = \"us-east-1\""))
        .aws_credentials(&format!("[dev]\naws_access_key_id = AKIDPROFILEKEY1\naws_secret_access_key = {SECRET}\n"))
        .env("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-FAKEEXAMPLETOKEN");
    let old = env.check_json("0.149.0", &[]);
    assert_eq!(prediction(&old)["auth"]["method"], "bearer");
    assert_eq!(prediction(&old)["auth"]["source"], "env-bearer");
    assert_eq!(prediction(&old)["auth"]["shadowed"], serde_json::json!(["config-profile"]));
    assert_eq!(status(&old, "auth-source"), "warn");

    let new = env.check_json("0.150.0", &[]);
    assert_eq!(prediction(&new)["auth"]["method"], "sigv4");
    assert_eq!(prediction(&new)["auth"]["source"], "config-profile");
    assert_eq!(prediction(&new)["auth"]["access_key_id_last4"], "KEY1");
    assert_eq!(prediction(&new)["signing"]["service"], "bedrock-mantle");
}

#[test]
fn env_keys_beat_config_profile_until_0_150() {
    let env = TestEnv::new()
        .config(&bedrock_with_aws("profile = \"dev\"\nregion = \"us-east-1\""))
        .aws_credentials(&format!("[dev]\naws_access_key_id = AKIDPROFILEKEY1\naws_secret_access_key = {SECRET}\n"))
        .env("AWS_ACCESS_KEY_ID", "AKIDENVKEY22")
        .env("AWS_SECRET_ACCESS_KEY", SECRET);
    assert_eq!(prediction(&env.check_json("0.145.0", &[]))["auth"]["access_key_id_last4"], "EY22");
    assert_eq!(prediction(&env.check_json("0.169.0", &[]))["auth"]["access_key_id_last4"], "KEY1");
}

#[test]
fn bearer_region_from_env_only_from_0_136() {
    let env = TestEnv::new()
        .config(BEDROCK)
        .env("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-FAKEEXAMPLETOKEN")
        .env("AWS_REGION", "us-east-2");
    let old = env.check_json("0.135.0", &[]);
    assert_eq!(
        prediction(&old)["codex_error"],
        "ERROR: Fatal error: Amazon Bedrock bearer token auth requires `model_providers.amazon-bedrock.aws.region`"
    );
    assert_eq!(status(&old, "region"), "fail");
    let new = env.check_json("0.136.0", &[]);
    assert_eq!(prediction(&new)["region"], serde_json::json!({"value": "us-east-2", "source": "env:AWS_REGION"}));
    assert_eq!(prediction(&new)["endpoint"], "https://bedrock-mantle.us-east-2.api.aws/openai/v1/responses");
    assert_eq!(prediction(&new)["codex_error"], Value::Null);
}

#[test]
fn bearer_path_never_reads_the_profile_region() {
    let env = TestEnv::new()
        .config(BEDROCK)
        .aws_config("[default]\nregion = eu-west-1\n")
        .env("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-FAKEEXAMPLETOKEN");
    let report = env.check_json("0.169.0", &[]);
    assert_eq!(
        prediction(&report)["codex_error"],
        "ERROR: Fatal error: Amazon Bedrock bearer token auth requires `model_providers.amazon-bedrock.aws.region`, `AWS_REGION`, or `AWS_DEFAULT_REGION`"
    );
}

#[test]
fn sdk_region_falls_back_to_the_profile() {
    let env = TestEnv::new()
        .config(BEDROCK)
        .aws_config("[profile dev]\nregion = eu-west-1\n")
        .aws_credentials(&format!("[dev]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n"))
        .env("AWS_PROFILE", "dev");
    let report = env.check_json("0.169.0", &[]);
    assert_eq!(prediction(&report)["region"], serde_json::json!({"value": "eu-west-1", "source": "profile:dev"}));
    assert_eq!(prediction(&report)["auth"]["source"], "sdk-chain");
    assert_eq!(prediction(&report)["auth"]["profile"], "dev");
}

#[test]
fn allowlist_adds_govcloud_at_0_162() {
    let env = TestEnv::new()
        .config(&bedrock_with_aws("region = \"us-gov-east-1\""))
        .env("AWS_ACCESS_KEY_ID", AKID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET);
    let old = env.check_json("0.160.0", &[]);
    assert_eq!(
        prediction(&old)["codex_error"],
        "ERROR: Fatal error: Amazon Bedrock does not support region `us-gov-east-1`"
    );
    let new = env.check_json("0.162.0", &[]);
    assert_eq!(prediction(&new)["codex_error"], Value::Null);
    assert_eq!(prediction(&new)["endpoint"], "https://bedrock-mantle.us-gov-east-1.api.aws/openai/v1/responses");
    // The word "Mantle" disappears from the message at 0.150.
    let env = TestEnv::new()
        .config(&bedrock_with_aws("region = \"US-EAST-1\""))
        .env("AWS_ACCESS_KEY_ID", AKID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET);
    assert_eq!(
        prediction(&env.check_json("0.149.0", &[]))["codex_error"],
        "ERROR: Fatal error: Amazon Bedrock Mantle does not support region `US-EAST-1`"
    );
}

#[test]
fn legacy_profiles_work_until_0_132_and_are_fatal_from_0_134() {
    let env = TestEnv::new()
        .config(
            "model_provider = \"amazon-bedrock\"\n[profiles.bed]\nmodel = \"openai.gpt-5.4\"\n\
             [model_providers.amazon-bedrock.aws]\nregion = \"eu-west-2\"\n",
        )
        .env("AWS_ACCESS_KEY_ID", AKID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET);
    let old = env.check_json("0.132.0", &["-p", "bed"]);
    assert_eq!(prediction(&old)["model"], "openai.gpt-5.4");
    assert_eq!(prediction(&old)["codex_error"], Value::Null);
    let new = env.check_json("0.134.0", &["-p", "bed"]);
    let error = prediction(&new)["codex_error"].as_str().unwrap();
    assert!(
        error.starts_with(
            "Error loading config.toml: --profile `bed` cannot be used while ~/.codex/config.toml contains legacy"
        ),
        "{error}"
    );
    assert_eq!(status(&new, "config-profile"), "fail");

    let selector = TestEnv::new().config("profile = \"bed\"\nmodel_provider = \"amazon-bedrock\"\n");
    assert_eq!(
        prediction(&selector.check_json("0.169.0", &[]))["codex_error"],
        "Error: legacy `profile = \"bed\"` config is no longer supported; use `--profile bed` with `bed.config.toml` instead"
    );
    assert_eq!(
        prediction(&selector.check_json("0.132.0", &[]))["codex_error"],
        "Error: config profile `bed` not found"
    );
}

#[test]
fn profile_files_layer_over_config_from_0_134() {
    let env = TestEnv::new()
        .config(BEDROCK)
        .file(".codex/bed.config.toml", "[model_providers.amazon-bedrock.aws]\nregion = \"eu-north-1\"\n")
        .env("AWS_ACCESS_KEY_ID", AKID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET);
    let report = env.check_json("0.169.0", &["-p", "bed"]);
    assert_eq!(prediction(&report)["region"]["value"], "eu-north-1");
    // A missing profile file is silently empty in Codex; the doctor warns.
    let missing = env.check_json("0.169.0", &["-p", "nope"]);
    assert_eq!(status(&missing, "config-profile"), "warn");
}

#[test]
fn endpoint_path_changes_at_0_128() {
    let env = TestEnv::new()
        .config(&bedrock_with_aws("region = \"eu-west-1\""))
        .env("AWS_ACCESS_KEY_ID", AKID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET);
    assert_eq!(
        prediction(&env.check_json("0.125.0", &[]))["endpoint"],
        "https://bedrock-mantle.eu-west-1.api.aws/v1/responses"
    );
    assert_eq!(
        prediction(&env.check_json("0.128.0", &[]))["endpoint"],
        "https://bedrock-mantle.eu-west-1.api.aws/openai/v1/responses"
    );
    assert_eq!(status(&env.check_json("0.123.0", &[]), "codex-version"), "fail");
}

#[test]
fn base_url_is_a_forbidden_override_until_0_145_and_skips_the_allowlist_after() {
    let config = format!(
        "{BEDROCK}\n[model_providers.amazon-bedrock]\nbase_url = \"https://bedrock-mantle.us-east-2.api.aws/openai/v1\"\n\
         [model_providers.amazon-bedrock.aws]\nregion = \"eu-west-1\"\n"
    );
    let env = TestEnv::new().config(&config).env("AWS_ACCESS_KEY_ID", AKID).env("AWS_SECRET_ACCESS_KEY", SECRET);
    let old = env.check_json("0.144.0", &[]);
    assert_eq!(
        prediction(&old)["codex_error"],
        "Error: model_providers.amazon-bedrock only supports changing `aws.profile` and `aws.region`; other non-default provider fields are not supported"
    );
    let new = env.check_json("0.145.0", &[]);
    assert_eq!(prediction(&new)["endpoint"], "https://bedrock-mantle.us-east-2.api.aws/openai/v1/responses");
    assert_eq!(prediction(&new)["signing"]["region"], "eu-west-1");
    assert_eq!(status(&new, "endpoint"), "fail", "URL region and signing region differ");
}

#[test]
fn override_error_gains_a_prefix_at_0_156_1() {
    let env =
        TestEnv::new().config(&format!("{BEDROCK}\n[model_providers.amazon-bedrock]\nname = \"Amazon Bedrock\"\n"));
    let old = env.check_json("0.155.0", &[]);
    assert!(
        prediction(&old)["codex_error"].as_str().unwrap().starts_with("Error: model_providers.amazon-bedrock only")
    );
    let new = env.check_json("0.156.1", &[]);
    let text = prediction(&new)["codex_error"].as_str().unwrap();
    assert!(
        text.starts_with("Error loading config.toml: model_providers.amazon-bedrock only supports changing `base_url`")
    );
    assert!(text.ends_with("\nin `model_providers`"));
}

#[test]
fn aws_combination_is_checked_before_overrides_from_0_145_to_0_156() {
    let env = TestEnv::new().config(&format!(
        "{BEDROCK}[model_providers.amazon-bedrock]\nenv_key = \"AWS_BEARER_TOKEN_BEDROCK\"\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n"
    ));
    assert!(
        prediction(&env.check_json("0.135.0", &[]))["codex_error"]
            .as_str()
            .unwrap()
            .starts_with("Error: model_providers.amazon-bedrock only supports changing")
    );
    assert_eq!(
        prediction(&env.check_json("0.149.0", &[]))["codex_error"],
        "Error loading config.toml: model_providers.amazon-bedrock: provider aws cannot be combined with env_key\nin `model_providers`"
    );
    assert!(
        prediction(&env.check_json("0.169.0", &[]))["codex_error"]
            .as_str()
            .unwrap()
            .starts_with("Error loading config.toml: model_providers.amazon-bedrock only supports changing")
    );
    // auth.json is read after config.toml: a config error wins over an unknown auth mode.
    let both = TestEnv::new()
        .config(&format!("{BEDROCK}[model_providers.amazon-bedrock]\nname = \"x\"\n"))
        .auth_json(r#"{"auth_mode":"bedrockApiKey","bedrock_api_key":{"api_key":"k","region":"us-east-1"}}"#);
    assert!(
        prediction(&both.check_json("0.135.0", &[]))["codex_error"]
            .as_str()
            .unwrap()
            .starts_with("Error: model_providers")
    );
}

#[test]
fn web_search_by_version() {
    let env = TestEnv::new()
        .config(&format!(
            "{BEDROCK}web_search = \"live\"\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n"
        ))
        .env("AWS_ACCESS_KEY_ID", AKID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET);
    assert_eq!(status(&env.check_json("0.125.0", &[]), "web-search"), "warn");
    assert_eq!(status(&env.check_json("0.146.0", &[]), "web-search"), "pass");
    assert_eq!(status(&env.check_json("0.147.0", &[]), "web-search"), "info");
    let indexed = TestEnv::new().config(&format!("{BEDROCK}web_search = \"indexed\"\n"));
    assert_eq!(
        prediction(&indexed.check_json("0.138.0", &[]))["codex_error"],
        "Error loading config.toml: unknown variant `indexed`, expected one of `disabled`, `cached`, `live`\nin `web_search`"
    );
    assert_eq!(status(&indexed.check_json("0.142.0", &[]), "web-search"), "pass", "valid, and suppressed on 0.142");
}

#[test]
fn managed_api_key_by_version() {
    let env = TestEnv::new()
        .config(&bedrock_with_aws("region = \"us-east-1\""))
        .auth_json(r#"{"auth_mode":"bedrockApiKey","bedrock_api_key":{"api_key":"bedrock-api-key-MANAGEDFAKE0001","region":"ap-northeast-1"}}"#)
        .env("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-FAKEEXAMPLETOKEN");
    assert_eq!(
        prediction(&env.check_json("0.138.0", &[]))["codex_error"],
        "unknown variant `bedrockApiKey`, expected one of `apikey`, `chatgpt`, `chatgptAuthTokens`, `agentIdentity`, `personalAccessToken` at line 1 column 28"
    );
    let report = env.check_json("0.149.0", &[]);
    assert_eq!(prediction(&report)["auth"]["source"], "managed-api-key");
    assert_eq!(
        prediction(&report)["region"],
        serde_json::json!({"value": "ap-northeast-1", "source": "managed-api-key"})
    );
    assert_eq!(prediction(&report)["auth"]["shadowed"], serde_json::json!(["env-bearer"]));
}

#[test]
fn dotenv_overrides_the_shell_and_drops_codex_keys() {
    let env = TestEnv::new()
        .config(BEDROCK)
        .dotenv("AWS_REGION=ap-south-1\nCODEX_HOME=/elsewhere\n")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", AKID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET);
    let report = env.check_json("0.169.0", &[]);
    assert_eq!(
        prediction(&report)["region"],
        serde_json::json!({"value": "ap-south-1", "source": "dotenv:AWS_REGION"})
    );
    assert_eq!(status(&report, "codex-dotenv"), "warn", "CODEX_HOME in .env is dropped");
}

#[test]
fn empty_and_whitespace_bearer_tokens_are_absent() {
    for token in ["", "   "] {
        let env = TestEnv::new()
            .config(&bedrock_with_aws("region = \"us-east-1\""))
            .env("AWS_BEARER_TOKEN_BEDROCK", token)
            .env("AWS_ACCESS_KEY_ID", AKID)
            .env("AWS_SECRET_ACCESS_KEY", SECRET);
        assert_eq!(prediction(&env.check_json("0.169.0", &[]))["auth"]["method"], "sigv4", "{token:?}");
    }
}

#[test]
fn model_ids() {
    for (model, expected_status) in [
        ("openai.gpt-5.5", "pass"),
        ("openai.gpt-oss-120b-1:0", "fail"),
        ("us.openai.gpt-5.5", "fail"),
        ("gpt-5.5", "fail"),
        ("openai.gpt-5.55", "warn"),
        ("openai.gpt-5.4", "warn"),
        ("my-custom-model", "warn"),
    ] {
        let env = TestEnv::new().config(&format!("model_provider = \"amazon-bedrock\"\nmodel = \"{model}\"\n"));
        assert_eq!(status(&env.check_json("0.169.0", &[]), "model-id"), expected_status, "{model}");
    }
    let unset = TestEnv::new().config("model_provider = \"amazon-bedrock\"\n");
    assert_eq!(prediction(&unset.check_json("0.169.0", &[]))["model"], "openai.gpt-6.1-sol");
}

#[test]
fn provider_selection() {
    let unset = TestEnv::new().config("model = \"openai.gpt-5.5\"\n");
    let report = unset.check_json("0.169.0", &[]);
    assert_eq!(prediction(&report)["provider"], "openai");
    assert_eq!(status(&report, "model-provider"), "fail");
    let typo = TestEnv::new().config("model_provider = \"amazon_bedrock\"\n");
    assert_eq!(
        prediction(&typo.check_json("0.169.0", &[]))["codex_error"],
        "Error: Model provider `amazon_bedrock` not found"
    );
    let runtime = TestEnv::new().config("model_provider = \"amazon-bedrock-runtime\"\n");
    assert_eq!(
        prediction(&runtime.check_json("0.147.0", &[]))["codex_error"],
        "Error: Model provider `amazon-bedrock-runtime` not found"
    );
    let override_ = TestEnv::new().config("model = \"openai.gpt-5.5\"\n");
    let report = override_.check_json(
        "0.169.0",
        &["-c", "model_provider=amazon-bedrock", "-c", "model_providers.amazon-bedrock.aws.region=sa-east-1"],
    );
    assert_eq!(prediction(&report)["provider"], "amazon-bedrock");
    assert_eq!(prediction(&report)["region"]["value"], "sa-east-1");
}

#[test]
fn wire_api_variants() {
    let chat = TestEnv::new().config(&format!("{BEDROCK}[model_providers.amazon-bedrock]\nwire_api = \"chat\"\n"));
    let text = chat.check_json("0.169.0", &[])["prediction"]["codex_error"].as_str().unwrap().to_owned();
    assert!(text.starts_with("Error loading config.toml: `wire_api = \"chat\"` is no longer supported."), "{text}");
    let in_aws = TestEnv::new().config(&bedrock_with_aws("wire_api = \"chat\"\nregion = \"us-east-1\""));
    let report = in_aws.check_json("0.169.0", &[]);
    assert_eq!(status(&report, "unknown-keys"), "warn");
    assert_eq!(status(&report, "wire-api"), "pass");
}

#[test]
fn missing_aws_profile_and_no_credentials() {
    let missing = TestEnv::new()
        .config(&bedrock_with_aws("profile = \"nope\"\nregion = \"us-east-1\""))
        .aws_config("[profile dev]\n");
    let report = missing.check_json("0.169.0", &[]);
    assert_eq!(
        prediction(&report)["codex_error"],
        "ERROR: stream disconnected before completion: failed to load AWS credentials: the credentials provider was not properly configured"
    );
    assert_eq!(status(&report, "aws-profile"), "fail");
    let none =
        TestEnv::new().config(&bedrock_with_aws("region = \"us-east-1\"")).env("AWS_EC2_METADATA_DISABLED", "true");
    assert_eq!(
        prediction(&none.check_json("0.169.0", &[]))["codex_error"],
        "ERROR: stream disconnected before completion: failed to load AWS credentials: the credential provider was not enabled"
    );
}

// ---- bad input: always a finding, never a panic ----

#[test]
fn malformed_toml_points_at_line_and_column() {
    let env = TestEnv::new()
        .config("model_provider = \"amazon-bedrock\"\n[model_providers.amazon-bedrock.aws\nregion = \"x\"\n");
    let report = env.check_json("0.169.0", &[]);
    let check = report["checks"].as_array().unwrap().iter().find(|c| c["id"] == "config-file").unwrap().clone();
    assert_eq!(check["status"], "fail");
    assert_eq!(check["location"]["line"], 2);
    assert!(
        prediction(&report)["codex_error"]
            .as_str()
            .unwrap()
            .starts_with("Error loading config.toml:\n~/.codex/config.toml:2:")
    );
}

#[test]
fn wrong_types_reproduce_serde_messages() {
    let env = TestEnv::new().config(&bedrock_with_aws("region = 123"));
    assert_eq!(
        prediction(&env.check_json("0.169.0", &[]))["codex_error"],
        "Error loading config.toml: invalid type: integer `123`, expected a string\nin `model_providers.amazon-bedrock.aws.region`"
    );
}

#[test]
fn unusable_files_are_findings() {
    // Invalid UTF-8: a failure that names the encoding and the file, and fails the run on its own.
    let env = TestEnv::new();
    std::fs::write(env.codex_home().join("config.toml"), b"model = \"\xff\xfe\"\n").unwrap();
    let run =
        env.run(&["check", "--offline", "--format", "json", "--codex-version", "0.169.0", "--select", "config-file"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout));
    assert_eq!(status(&report, "config-file"), "fail");
    let summary = report["checks"][0]["summary"].as_str().unwrap();
    assert!(summary.contains("not valid UTF-8") && summary.contains("~/.codex/config.toml"), "{summary}");
    // A directory where the file should be.
    let env = TestEnv::new();
    std::fs::create_dir_all(env.codex_home().join("config.toml")).unwrap();
    assert_eq!(status(&env.check_json("0.169.0", &[]), "config-file"), "fail");
    // 50 MB.
    let env = TestEnv::new();
    let f = std::fs::File::create(env.codex_home().join("config.toml")).unwrap();
    f.set_len(50 * 1024 * 1024).unwrap();
    let report = env.check_json("0.169.0", &[]);
    assert_eq!(status(&report, "config-file"), "fail");
    // Broken .env, garbage bearer token, auth.json that is not JSON, a broken AWS config.
    let env = TestEnv::new()
        .config(&bedrock_with_aws("region = \"us-east-1\""))
        .dotenv("GOOD=1\nBAD LINE\nQ=\"unterminated\n")
        .auth_json("{not json")
        .aws_config("[profile broken\nregion=\n")
        .env("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-%%%not-base64%%%");
    let report = env.check_json("0.169.0", &[]);
    assert_eq!(status(&report, "codex-dotenv"), "warn");
    assert_eq!(status(&report, "bearer-token"), "warn");
    assert_eq!(status(&report, "auth-source"), "warn");
    #[cfg(unix)]
    {
        // A FIFO must not block the doctor.
        let env = TestEnv::new();
        let fifo = env.codex_home().join("config.toml");
        let status_code = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(status_code.success());
        assert_eq!(status(&env.check_json("0.169.0", &[]), "config-file"), "fail");
    }
}

#[test]
fn expired_short_term_key_and_region_mismatch() {
    use base64::Engine;
    let url = "bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256&\
               X-Amz-Credential=AKIDEXAMPLE%2F20250101%2Fus-west-2%2Fbedrock%2Faws4_request&X-Amz-Date=20250101T000000Z&\
               X-Amz-Expires=43200&X-Amz-SignedHeaders=host&X-Amz-Signature=00ff&Version=1";
    let key = format!("bedrock-api-key-{}", base64::engine::general_purpose::STANDARD.encode(url));
    let env = TestEnv::new().config(&bedrock_with_aws("region = \"eu-west-1\"")).env("AWS_BEARER_TOKEN_BEDROCK", &key);
    let report = env.check_json("0.169.0", &[]);
    let check = report["checks"].as_array().unwrap().iter().find(|c| c["id"] == "bearer-token").unwrap().clone();
    assert_eq!(check["status"], "fail");
    let messages: Vec<&str> =
        check["details"]["findings"].as_array().unwrap().iter().map(|f| f["message"].as_str().unwrap()).collect();
    assert!(messages.iter().any(|m| m.contains("expired at 2025-01-01T12:00:00Z")), "{messages:?}");
    assert!(
        messages.iter().any(|m| m.contains("issued in us-west-2, but Codex sends it to eu-west-1")),
        "{messages:?}"
    );
}

// ---- secrets ----

#[test]
fn canary_secrets_never_appear_in_any_output() {
    let canaries = [
        "CANARYSECRETKEYwJalrXUtnFEMIK7MDENGbPxRf",
        "CANARYSESSIONTOKENIQoJb3JpZ2luX2VjEJr0123456789",
        "bedrock-api-key-Q0FOQVJZQkVBUkVSVE9LRU5AAAAAAAAAAAAAAAAAAAAAAAAA",
        "ABSKQ0FOQVJZTE9OR1RFUk1LRVlBQUFBQUFBQUFBQUFBQUFB",
        "CANARYDOTENVSECRETxxxxxxxxxxxxxxxxxxxxx",
        "CANARYPROFILESECRETyyyyyyyyyyyyyyyyyyyy",
        "bedrock-api-key-TUFOQUdFREFQSUtFWUNBTkFSWUFBQUFBQUFBQUFBQUFB",
        "CANARYMANAGEDSECRETzzzzzzzzzzzzzzzzzzzzz",
    ];
    let env = TestEnv::new()
        .config(&format!(
            "{BEDROCK}[model_providers.amazon-bedrock]\nexperimental_bearer_token = \"{}\"\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n",
            canaries[3]
        ))
        .dotenv(&format!("AWS_SESSION_TOKEN={}\nMY_API_TOKEN={}\n", canaries[1], canaries[4]))
        .aws_credentials(&format!("[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = {}\n", canaries[5]))
        .auth_json(&format!(
            r#"{{"auth_mode":"bedrockAccessKeys","bedrock_access_keys":{{"access_key_id":"AKIDMANAGED","secret_access_key":"{}","session_token":"{}"}}}}"#,
            canaries[7], canaries[6]
        ))
        .env("AWS_SECRET_ACCESS_KEY", canaries[0])
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_BEARER_TOKEN_BEDROCK", canaries[2]);
    for version in ["0.149.0", "0.169.0"] {
        for format in ["human", "json"] {
            for verbose in [false, true] {
                let mut args = vec!["check", "--offline", "--format", format, "--codex-version", version];
                if verbose {
                    args.push("-v");
                }
                let run = env.run(&args);
                // A full report was printed (the literal secrets fail it), so the absences below mean something.
                assert_eq!(run.code, 1, "{format} {version}: {}", run.stderr);
                assert!(run.stdout.contains("secrets-in-config"), "{format}: {}", run.stdout);
                for canary in canaries {
                    assert!(!run.stdout.contains(canary), "{canary} leaked in {format} (verbose {verbose}, {version})");
                    assert!(!run.stderr.contains(canary), "{canary} leaked to stderr");
                    // Not even a long fragment of it.
                    assert!(!run.stdout.contains(&canary[canary.len() - 16..]), "{canary} tail leaked in {format}");
                }
            }
        }
    }
}

// ---- exit codes, selection, formats ----

#[test]
fn exit_codes_follow_the_contract() {
    let good = TestEnv::new()
        .config(&bedrock_with_aws("region = \"us-east-1\""))
        .env("AWS_ACCESS_KEY_ID", AKID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET);
    let run = good.run(&["check", "--offline", "--codex-version", "0.169.0", "--color", "never"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    // A warning fails only under --strict (web_search is an info; the assumed version is a warning).
    assert_eq!(good.run(&["check", "--offline", "--select", "codex-version"]).code, 0);
    assert_eq!(good.run(&["check", "--offline", "--select", "codex-version", "--strict"]).code, 1);
    assert_eq!(good.run(&["check", "--select", "no-such-check"]).code, 2);
    assert_eq!(good.run(&["check", "--timeout", "-1"]).code, 2);
    assert_eq!(good.run(&["explain", "no-such-check"]).code, 2);
    assert_eq!(good.run(&["frobnicate"]).code, 2);
    let bad = TestEnv::new().config("model_provider = \"bedrock\"\n");
    assert_eq!(bad.run(&["check", "--offline", "--codex-version", "0.169.0"]).code, 1);
}

#[test]
fn profile_names_cannot_leave_codex_home_and_url_credentials_are_masked() {
    let env = TestEnv::new().config(BEDROCK);
    for name in ["../x", "/etc/passwd", "a/b"] {
        assert_eq!(env.run(&["check", "--offline", "-p", name]).code, 2, "{name}");
        assert_eq!(env.run(&["fix", "--dry-run", "-p", name]).code, 2, "{name}");
    }
    let config = format!(
        "{BEDROCK}[model_providers.amazon-bedrock]\nbase_url = \"https://admin:hunter2hunter2@gw.example.com/openai/v1\"\n\
         [model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n"
    );
    let env = TestEnv::new().config(&config).env("AWS_ACCESS_KEY_ID", AKID).env("AWS_SECRET_ACCESS_KEY", SECRET);
    for format in ["human", "json"] {
        let run = env.run(&["check", "--offline", "--codex-version", "0.169.0", "--format", format, "-v"]);
        assert!(run.stdout.contains("gw.example.com"), "the URL is shown, masked: {format}: {}", run.stdout);
        assert!(!run.stdout.contains("hunter2hunter2"), "{format}: {}", run.stdout);
    }
}

#[test]
fn select_and_ignore() {
    let env = TestEnv::new().config(BEDROCK);
    let report = env.check_json("0.169.0", &["--select", "region,model-id"]);
    let ids: Vec<&str> = report["checks"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["model-id", "region"], "registry order, not argument order");
    let report = env.check_json("0.169.0", &["--ignore", "region"]);
    let ids: Vec<&str> = report["checks"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), bedrock_doctor::checks::CHECKS.len() - 1, "every check but region ran: {ids:?}");
    assert!(!ids.contains(&"region"), "{ids:?}");
}

fn snapshot_env() -> TestEnv {
    TestEnv::new()
        .config(
            "# team template\nmodel_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-oss-120b-1:0\"\n\n\
             [model_providers.amazon-bedrock.aws]\nprofile = \"dev\"\nregion = \"us-west-2\"\nwire_api = \"responses\"\n",
        )
        .aws_config("[profile dev]\nregion = eu-west-1\nsso_session = corp\n[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n")
        .env("AWS_BEARER_TOKEN_BEDROCK", "ABSKQmVkcm9ja0FQSUtleS1leGFtcGxlOmV4YW1wbGU=")
}

#[test]
fn snapshot_human() {
    let run = snapshot_env().run(&["check", "--offline", "--codex-version", "0.149.0", "--color", "never"]);
    insta_settings().bind(|| insta::assert_snapshot!("check_human", run.stdout));
    let ascii =
        snapshot_env().run(&["check", "--offline", "--codex-version", "0.169.0", "--color", "never", "--ascii", "-v"]);
    insta_settings().bind(|| insta::assert_snapshot!("check_human_ascii_verbose_0_169", ascii.stdout));
}

#[test]
fn snapshot_json() {
    let run = snapshot_env().run(&["check", "--offline", "--codex-version", "0.149.0", "--format", "json"]);
    insta_settings().bind(|| insta::assert_snapshot!("check_json", run.stdout));
}

#[test]
fn snapshot_list_and_explain() {
    let env = TestEnv::new();
    let list = env.run(&["list"]);
    insta_settings().bind(|| insta::assert_snapshot!("list", list.stdout));
    let json = env.run(&["list", "--format", "json"]);
    let parsed: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(parsed.as_array().unwrap().len(), bedrock_doctor::checks::CHECKS.len());
    let explain = env.run(&["explain", "region"]);
    assert_eq!(explain.code, 0);
    assert!(explain.stdout.starts_with("# region\n"));
}

#[test]
fn color_is_decided_once_from_flags_and_env() {
    let env = TestEnv::new().config(BEDROCK);
    let always = env.run(&["check", "--offline", "--color", "always", "--codex-version", "0.169.0"]);
    assert!(always.stdout.contains("\u{1b}["));
    let piped = env.run(&["check", "--offline", "--codex-version", "0.169.0"]);
    assert!(piped.stdout.contains("\nChecks\n"), "{}", piped.stdout);
    assert!(!piped.stdout.contains("\u{1b}["), "a pipe gets no colour under auto");
    let forced = TestEnv::new().config(BEDROCK).env("CLICOLOR_FORCE", "1").run(&[
        "check",
        "--offline",
        "--codex-version",
        "0.169.0",
    ]);
    assert!(forced.stdout.contains("\u{1b}["));
    let no_color = TestEnv::new().config(BEDROCK).env("CLICOLOR_FORCE", "1").env("NO_COLOR", "1").run(&[
        "check",
        "--offline",
        "--codex-version",
        "0.169.0",
    ]);
    assert!(no_color.stdout.contains("\nChecks\n"), "{}", no_color.stdout);
    assert!(!no_color.stdout.contains("\u{1b}["), "NO_COLOR wins");
}

// ---- offline honesty about credentials (issue #12) ----

const SSO_CONFIG: &str = "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n\
                          [sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n";

fn sso_cache(env: TestEnv, json: &str) -> TestEnv {
    use sha1::Digest;
    let hex: String = sha1::Sha1::digest(b"corp").iter().map(|b| format!("{b:02x}")).collect();
    env.file(&format!(".aws/sso/cache/{hex}.json"), json)
}

fn sso_env() -> TestEnv {
    TestEnv::new().config(&bedrock_with_aws("profile = \"sso\"\nregion = \"us-east-1\"")).aws_config(SSO_CONFIG)
}

/// An SSO profile whose token cannot load: Codex stops with its generic credentials error (§5.3), the
/// offline report says so and fails; a token the SDK can still refresh is not a certain failure.
#[test]
fn sso_tokens_that_cannot_load_are_predicted_as_codex_stopping() {
    const GENERIC: &str = "ERROR: stream disconnected before completion: failed to load AWS credentials: an error occurred while loading credentials";
    let expired = r#"{"accessToken":"t","expiresAt":"2025-01-01T00:00:00Z","region":"us-east-1","startUrl":"https://example.awsapps.com/start"}"#;
    for (what, env) in [("no cache", sso_env()), ("expired", sso_cache(sso_env(), expired))] {
        let run = env.run(&["check", "--offline", "--format", "json", "--codex-version", "0.169.0"]);
        assert_eq!(run.code, 1, "{what}: {}", run.stdout);
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(prediction(&report)["codex_error"], GENERIC, "{what}");
        assert_eq!(prediction(&report)["endpoint"], Value::Null, "{what}");
        assert_eq!(status(&report, "aws-profile"), "fail", "{what}");
        let human = env.run(&["check", "--offline", "--codex-version", "0.169.0"]).stdout;
        assert!(!human.contains("Codex sends the request"), "{what}: {human}");
        assert!(human.contains("aws sso login --profile sso"), "{what}: {human}");
    }
    // Refreshable (refresh token + client registration still valid): a warning, the request is predicted.
    let refreshable = r#"{"accessToken":"t","expiresAt":"2025-01-01T00:00:00Z","refreshToken":"r","clientId":"c","clientSecret":"s","registrationExpiresAt":"2099-01-01T00:00:00Z"}"#;
    let report = sso_cache(sso_env(), refreshable).check_json("0.169.0", &[]);
    assert_eq!(prediction(&report)["codex_error"], Value::Null);
    assert_eq!(status(&report, "aws-profile"), "warn");
    // A valid token: nothing to say.
    let valid = r#"{"accessToken":"t","expiresAt":"2099-01-01T00:00:00Z"}"#;
    let report = sso_cache(sso_env(), valid).check_json("0.169.0", &[]);
    assert_eq!(prediction(&report)["codex_error"], Value::Null);
    assert_eq!(status(&report, "aws-profile"), "pass");
}

/// No credential source but instance metadata: offline the doctor cannot know whether this is EC2, so
/// it warns what happens elsewhere instead of promising a request.
#[test]
fn no_credentials_with_instance_metadata_enabled_warn() {
    let env = TestEnv::new().config(&bedrock_with_aws("region = \"us-east-1\""));
    let report = env.check_json("0.169.0", &[]);
    assert_eq!(status(&report, "auth-source"), "warn");
    let text = report.to_string();
    assert!(text.contains("only instance metadata is left"), "{text}");
}

/// A custom CA with SSO credentials: Codex's credential client does not use it (openai/codex #43381).
#[test]
fn custom_ca_with_sso_profile_names_each_clients_store() {
    let valid = r#"{"accessToken":"t","expiresAt":"2099-01-01T00:00:00Z"}"#;
    for var in ["CODEX_CA_CERTIFICATE", "SSL_CERT_FILE"] {
        let report = sso_cache(sso_env(), valid).env(var, "/etc/proxy-ca.pem").check_json("0.169.0", &[]);
        assert_eq!(status(&report, "auth-source"), "warn", "{var}");
        let text = report.to_string();
        assert!(text.contains(&format!("{var}=/etc/proxy-ca.pem is trusted by Codex's model request only")), "{text}");
        assert!(text.contains("system/webpki root store"), "{text}");
    }
    // Static keys in the profile need no credential request: no warning.
    let keys = TestEnv::new()
        .config(&bedrock_with_aws("profile = \"dev\"\nregion = \"us-east-1\""))
        .aws_credentials(&format!("[dev]\naws_access_key_id = AKIDPROFILEKEY1\naws_secret_access_key = {SECRET}\n"))
        .env("SSL_CERT_FILE", "/etc/proxy-ca.pem");
    assert_eq!(status(&keys.check_json("0.169.0", &[]), "auth-source"), "pass");
}

/// `iam` grants what `model-access` calls on Mantle (its own models list), and says where the action
/// name comes from.
#[test]
fn iam_grants_mantles_models_list_and_names_its_source() {
    let env = TestEnv::new().config(&bedrock_with_aws("region = \"us-east-1\""));
    let run = env.run(&["iam", "--codex-version", "0.169.0"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let policy: Value = serde_json::from_str(&run.stdout).unwrap();
    let actions: Vec<&str> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()))
        .collect();
    assert!(actions.contains(&"bedrock-mantle:ListModels"), "{actions:?}");
    assert!(!actions.contains(&"bedrock:ListFoundationModels"), "model-access does not call it on Mantle: {actions:?}");
    assert!(
        run.stderr.contains("AmazonBedrockMantleReadOnly") && run.stderr.contains("not confirmed"),
        "{}",
        run.stderr
    );
}
