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

// ---- the Codex home: a mistyped flag is a usage error, a mistyped CODEX_HOME is Codex's own error ----

#[test]
fn a_codex_home_flag_that_is_not_a_directory_is_a_usage_error_and_creates_nothing() {
    let env = TestEnv::new().config(&bedrock_with_aws("region = \"us-east-1\""));
    let typo = env.home().join(".codx");
    let file = env.codex_home().join("config.toml");
    for target in [typo.clone(), file] {
        let t = target.display().to_string();
        for args in [
            vec!["check", "--offline", "--codex-home", &t],
            vec!["fix", "--unsafe", "--region", "us-east-1", "--codex-home", &t],
            vec!["iam", "--codex-home", &t],
        ] {
            let run = env.run(&args);
            assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
            assert!(run.stderr.contains("--codex-home"), "{}", run.stderr);
            assert!(run.stdout.is_empty(), "{}", run.stdout);
        }
    }
    assert!(!typo.exists(), "fix created the mistyped tree");
}

#[test]
fn codex_home_naming_a_missing_directory_stops_codex_and_fix_refuses() {
    let env = TestEnv::new().config(&bedrock_with_aws("region = \"us-east-1\""));
    let typo = env.home().join("codex-home-typo");
    let env = env
        .env("CODEX_HOME", &typo.display().to_string())
        .env("AWS_ACCESS_KEY_ID", AKID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET);
    let report = env.check_json("0.169.0", &[]);
    let error = prediction(&report)["codex_error"].as_str().unwrap_or_default().to_owned();
    assert!(
        error.starts_with("Error finding codex home: CODEX_HOME points to \"")
            && error.ends_with("\", but that path does not exist"),
        "{error}"
    );
    assert_eq!(status(&report, "config-file"), "fail");
    assert_eq!(report["status"], "fail");
    let run = env.run(&["fix", "--unsafe", "--region", "us-east-1"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("CODEX_HOME"), "{}", run.stderr);
    assert!(!typo.exists(), "fix created the directory CODEX_HOME names");
}

/// JUnit's failure count agrees with the exit code: a warning fails neither without `--strict`, and
/// both with it.
#[test]
fn junit_failures_agree_with_the_exit_code() {
    let env = TestEnv::new()
        .config(&bedrock_with_aws("region = \"us-east-1\""))
        .env("AWS_ACCESS_KEY_ID", AKID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET);
    // No `codex` on PATH and no --codex-version: codex-version warns, nothing fails.
    let run = env.run(&["check", "--offline", "--format", "junit"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("<testsuites name=\"bedrock-doctor\" tests=\"22\" failures=\"0\""), "{}", run.stdout);
    let run = env.run(&["check", "--offline", "--format", "junit", "--strict"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("<testsuites name=\"bedrock-doctor\" tests=\"22\" failures=\"1\""), "{}", run.stdout);
    assert!(run.stdout.contains("type=\"warning\""), "{}", run.stdout);
}

/// A format a command cannot print is refused (exit 2), never answered with human text a SARIF or
/// JUnit consumer would then fail to parse.
#[test]
fn a_format_the_command_does_not_print_is_a_usage_error() {
    let env = TestEnv::new().config(&bedrock_with_aws("region = \"us-east-1\""));
    for (args, format) in [
        (vec!["list"], "sarif"),
        (vec!["list"], "junit"),
        (vec!["list"], "github"),
        (vec!["fix", "--dry-run"], "json"),
        (vec!["fix", "--dry-run"], "sarif"),
        (vec!["iam"], "junit"),
        (vec!["explain", "region"], "json"),
    ] {
        let mut all = args.clone();
        all.extend(["--format", format]);
        let run = env.run(&all);
        assert_eq!(run.code, 2, "{all:?}: {}", run.stdout);
        assert!(run.stdout.is_empty(), "{all:?}: {}", run.stdout);
        assert!(run.stderr.contains(&format!("`{}` does not print `--format {format}`", args[0])), "{}", run.stderr);
    }
    assert_eq!(env.run(&["list", "--format", "json"]).code, 0);
}

// ---- the report at 80 columns (issue #12): the README's setups, fixtures in tests/fixtures/readme ----

/// One setup of `tests/fixtures/readme/`: its name, its world, and the arguments it is checked with.
fn readme_setups() -> Vec<(String, TestEnv, Vec<String>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/readme");
    let mut dirs: Vec<_> =
        std::fs::read_dir(&root).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    assert!(dirs.len() >= 10, "fixtures missing in {}", root.display());
    dirs.into_iter()
        .map(|dir| {
            let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
            let mut env = TestEnv::new();
            if let Some(text) = read("config.toml") {
                env = env.config(&text);
            }
            if let Some(text) = read("aws-config") {
                env = env.aws_config(&text);
            }
            if let Some(text) = read("dotenv") {
                env = env.dotenv(&text);
            }
            for (k, v) in read("env").unwrap_or_default().lines().filter_map(|l| l.split_once('=')) {
                env = env.env(k, v);
            }
            let args = read("args").unwrap_or_else(|| "--codex-version 0.169.0".into());
            let args = args.split_whitespace().map(str::to_owned).collect();
            (dir.file_name().unwrap().to_string_lossy().into_owned(), env, args)
        })
        .collect()
}

fn run_with(env: &TestEnv, base: &[&str], extra: &[String]) -> common::Run {
    let mut argv: Vec<&str> = base.to_vec();
    argv.extend(extra.iter().map(String::as_str));
    env.run(&argv)
}

/// Lines wider than `width` columns (characters, not bytes), with their widths.
fn too_wide(text: &str, width: usize) -> Vec<(usize, &str)> {
    text.lines().map(|l| (l.chars().count(), l)).filter(|(n, _)| *n > width).collect()
}

#[test]
fn check_snapshots_at_80_columns_on_the_readme_setups() {
    for (name, env, args) in readme_setups() {
        let run = run_with(&env, &["check", "--offline", "--color", "never"], &args);
        assert!(run.code == 0 || run.code == 1, "{name}: exit {}\n{}", run.code, run.stderr);
        insta_settings().bind(|| insta::assert_snapshot!(format!("readme__{name}"), run.stdout));
    }
}

#[test]
fn every_line_of_check_list_and_fix_fits_80_columns() {
    let mut wide = Vec::new();
    for (name, env, args) in readme_setups() {
        for (what, base) in [
            ("check", &["check", "--offline", "--color", "never"][..]),
            ("check --ascii", &["check", "--offline", "--color", "never", "--ascii"][..]),
            ("check -v", &["check", "--offline", "--color", "never", "-v"][..]),
            ("check --color always", &["check", "--offline", "--color", "always"][..]),
            ("fix --dry-run", &["fix", "--dry-run", "--color", "never"][..]),
            ("fix --dry-run --ascii", &["fix", "--dry-run", "--ascii", "--color", "never"][..]),
        ] {
            let run = run_with(&env, base, &args);
            // Colour codes take no columns.
            let plain = strip_ansi(&run.stdout);
            for (n, line) in too_wide(&plain, 80) {
                wide.push(format!("{name}: {what}: {n} columns: {line}"));
            }
        }
    }
    let list = TestEnv::new().run(&["list"]);
    for (n, line) in too_wide(&list.stdout, 80) {
        wide.push(format!("list: {n} columns: {line}"));
    }
    assert!(wide.is_empty(), "{} line(s) wider than 80 columns:\n{}", wide.len(), wide.join("\n"));
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn columns_sets_the_width_and_json_is_never_wrapped() {
    let env = TestEnv::new().config("model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.5\"\n");
    let base = ["check", "--offline", "--codex-version", "0.169.0", "--color", "never"];
    let narrow = env.run(&base);
    let wide = TestEnv::new()
        .config("model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.5\"\n")
        .env("COLUMNS", "200")
        .run(&base);
    assert!(too_wide(&narrow.stdout, 80).is_empty(), "{}", narrow.stdout);
    assert!(!too_wide(&wide.stdout, 80).is_empty(), "COLUMNS=200 is honoured:\n{}", wide.stdout);
    assert!(too_wide(&wide.stdout, 200).is_empty(), "{}", wide.stdout);
    // Too narrow to lay out: the minimum width (40) holds.
    let tiny = TestEnv::new()
        .config("model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.5\"\n")
        .env("COLUMNS", "5")
        .run(&base);
    let forty = TestEnv::new()
        .config("model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.5\"\n")
        .env("COLUMNS", "40")
        .run(&base);
    assert_eq!(tiny.stdout, forty.stdout);
    // The machine formats are the same whatever the width.
    let mut json = Vec::new();
    for columns in ["40", "80", "500"] {
        let run = TestEnv::new()
            .config("model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.5\"\n")
            .env("COLUMNS", columns)
            .run(&["check", "--offline", "--codex-version", "0.169.0", "--format", "json"]);
        let mut report: Value = serde_json::from_str(&run.stdout).unwrap();
        for check in report["checks"].as_array_mut().unwrap() {
            check["duration_ms"] = Value::Null;
        }
        json.push(report);
    }
    assert_eq!(json[0], json[1]);
    assert_eq!(json[1], json[2]);
}

#[test]
fn ascii_output_has_no_byte_above_0x7f() {
    let mut setups = readme_setups();
    // A key id shown as `key …1234`, and a value from the user's config that is not ASCII.
    setups.push((
        "env-keys".into(),
        TestEnv::new()
            .config("model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.5\"\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n")
            .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE1234")
            .env("AWS_SECRET_ACCESS_KEY", SECRET),
        vec!["--codex-version".into(), "0.169.0".into()],
    ));
    setups.push((
        "unicode-model".into(),
        TestEnv::new().config("model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.5-é→…\"\n"),
        vec!["--codex-version".into(), "0.169.0".into()],
    ));
    for (name, env, args) in setups {
        for verbose in [false, true] {
            let mut base = vec!["check", "--offline", "--color", "never", "--ascii"];
            if verbose {
                base.push("-v");
            }
            let run = run_with(&env, &base, &args);
            let bad: Vec<&str> = run.stdout.lines().filter(|l| !l.is_ascii()).collect();
            assert!(bad.is_empty(), "{name} (verbose: {verbose}): non-ASCII lines:\n{}", bad.join("\n"));
            if name == "env-keys" {
                assert!(run.stdout.contains("key ...1234"), "{}", run.stdout);
            }
        }
    }
}

#[test]
fn one_cause_one_failure() {
    let setups: std::collections::BTreeMap<String, (TestEnv, Vec<String>)> =
        readme_setups().into_iter().map(|(name, env, args)| (name, (env, args))).collect();
    for name in ["malformed-toml", "type-error"] {
        let (env, args) = &setups[name];
        let report = {
            let mut argv = vec!["check".to_owned(), "--offline".into(), "--format".into(), "json".into()];
            argv.extend(args.iter().cloned());
            let run = env.run(&argv.iter().map(String::as_str).collect::<Vec<_>>());
            serde_json::from_str::<Value>(&run.stdout).unwrap()
        };
        let failing: Vec<&str> = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == "fail")
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(failing, ["config-file"], "{name}: one cause, one failure");
        for id in ["model-provider", "region", "model-id", "endpoint"] {
            assert_eq!(status(&report, id), "skip", "{name}: {id}");
            let check = report["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap();
            assert_eq!(check["summary"], "needs a config that loads (config-file fails)", "{name}: {id}");
        }
        let human = run_with(env, &["check", "--offline", "--color", "never"], args).stdout;
        assert_eq!(human.matches("Codex stops:").count(), 2, "{name}: once in Checks, once in Remediation\n{human}");
        assert!(!human.contains("model_provider is not set"), "{name}:\n{human}");
    }
    // `fix` refuses a file that does not parse: the report offers no fix for it.
    let (env, args) = &setups["malformed-toml"];
    let human = run_with(env, &["check", "--offline", "--color", "never"], args).stdout;
    assert!(!human.contains("`bedrock-doctor fix"), "{human}");
    assert_eq!(run_with(env, &["fix", "--dry-run"], args).code, 2);
    // The live checks skip without a request, and no human line names a JSON field.
    let (env, args) = &setups["malformed-toml"];
    let live = run_with(env, &["check", "--color", "never", "--timeout", "2"], args);
    assert!(
        live.stdout.contains("responses-probe     needs a config that loads (config-file fails)"),
        "{}",
        live.stdout
    );
    let (env, args) = &setups["no-region"];
    let human = run_with(env, &["check", "--offline", "--color", "never"], args).stdout;
    assert!(human.contains("endpoint            needs a request Codex sends (Codex stops"), "{human}");
    for (name, env, args) in readme_setups() {
        let human = run_with(&env, &["check", "--offline", "--color", "never"], &args).stdout;
        assert!(!human.contains("codex_error"), "{name}: the human output names a JSON field:\n{human}");
        let verbose = run_with(&env, &["check", "--offline", "--color", "never", "-v"], &args).stdout;
        assert!(!verbose.contains("see codex_error"), "{name}: the human output names a JSON field:\n{verbose}");
    }
}

#[test]
fn lint_human_output_fits_80_columns_and_ascii_is_ascii() {
    // The README's setups as templates, linted from their directory so paths are short and the same
    // on every machine.
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/readme");
    for entry in std::fs::read_dir(&root).unwrap().flatten() {
        let config = entry.path().join("config.toml");
        if config.is_file() {
            let name = entry.file_name().to_string_lossy().into_owned();
            std::fs::create_dir_all(dir.path().join(&name)).unwrap();
            std::fs::copy(&config, dir.path().join(&name).join("config.toml")).unwrap();
        }
    }
    for ascii in [false, true] {
        let mut args = vec!["lint", ".", "--color", "never"];
        if ascii {
            args.push("--ascii");
        }
        let out = std::process::Command::new(common::BIN)
            .args(&args)
            .current_dir(dir.path())
            .env_clear()
            .env("HOME", dir.path())
            .env("PATH", "")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{stdout}");
        assert!(stdout.contains("malformed-toml"), "{stdout}");
        let wide = too_wide(&stdout, 80);
        assert!(wide.is_empty(), "lint (ascii: {ascii}): lines over 80 columns: {wide:?}\n{stdout}");
        if ascii {
            assert!(stdout.is_ascii(), "{stdout}");
        }
    }
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

/// The report advertises only edits it explains: a check whose `fix` is available has a remediation
/// (a skipped check has neither). And ignoring the check that owns Codex's error does not hide why
/// the others are skipped: the reason quotes Codex's error instead of naming a check not shown.
#[test]
fn a_skipped_check_advertises_no_fix_and_an_ignored_cause_is_not_hidden() {
    let config = "model_provider = \"amazon_bedrock\"\nmodel = \"us.openai.gpt-5.5\"\nweb_search = 5\n\n[model_providers.amazon_bedrock.aws]\nregion = \"us-east-1\"\n";
    let env = TestEnv::new().config(config).env("AWS_ACCESS_KEY_ID", AKID).env("AWS_SECRET_ACCESS_KEY", SECRET);
    let report = env.check_json("0.169.0", &[]);
    assert_eq!(status(&report, "web-search"), "fail", "{report}");
    for check in report["checks"].as_array().unwrap() {
        if check["fix"]["available"] == true {
            assert!(check["remediation"].is_string(), "advertised fix without a remediation: {check}");
        }
    }
    assert_eq!(status(&report, "model-provider"), "skip");

    let ignored = env.check_json("0.169.0", &["--ignore", "web-search"]);
    for check in ignored["checks"].as_array().unwrap() {
        assert!(!check["summary"].as_str().unwrap_or_default().contains("web-search"), "{check}");
    }
    let skipped = ignored["checks"].as_array().unwrap().iter().find(|c| c["id"] == "model-provider").unwrap();
    assert_eq!(skipped["status"], "skip", "{skipped}");
    assert!(skipped["summary"].as_str().unwrap().contains("Codex stops: Error loading config.toml"), "{skipped}");
}

/// A GovCloud region on a Codex without GovCloud: the reason says so (it once blamed the region map).
#[test]
fn a_govcloud_region_before_codex_supports_govcloud_says_why() {
    let env = TestEnv::new().config(&bedrock_with_aws("region = \"us-gov-west-1\""));
    let report = env.check_json("0.132.0", &["--select", "region"]);
    let region = report["checks"].as_array().unwrap().iter().find(|c| c["id"] == "region").unwrap();
    let fix = region["remediation"].as_str().unwrap_or_default();
    assert!(fix.contains("Codex 0.132.0 supports no GovCloud region"), "{region}");
}
