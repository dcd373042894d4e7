//! `msgraph-relay login` (device code against the sandbox) and `hash-password`.

mod cli_common;

use cli_common::Relay;
use msgraph_outlook_sandbox::Sandbox;

#[tokio::test(flavor = "multi_thread")]
async fn login_keeps_a_token_file_that_serve_and_check_config_then_use() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.add_user("adele@contoso.com");
    // Adele approves the code at once; the relay polls every second.
    sandbox.set_device_code_interval(1);
    sandbox.auto_approve_device_codes("adele@contoso.com", 0);
    let relay = Relay::offline("");
    let tokens = relay.dir.path().join("tokens.json");
    let config = format!(
        "[spool]\ndir = {:?}\n\n[graph]\nauth = \"device_code\"\ntenant = \"organizations\"\nclient_id = \"{}\"\ntoken_file = {:?}\ngraph_url = \"{}\"\nauthority_url = \"{}\"\n",
        relay.spool_dir().display().to_string(),
        sandbox.client_id(),
        tokens.display().to_string(),
        sandbox.base_url(),
        sandbox.authority_url(),
    );
    relay.write_config(&config);

    // Before login, the configuration says what is missing.
    let run = tokio::task::block_in_place(|| relay.run(&["check-config"], b""));
    assert_eq!(run.code, 78);
    assert!(run.stderr.contains("graph.token_file: "), "{}", run.stderr);

    let run = tokio::task::block_in_place(|| relay.run(&["login"], b""));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        format!(
            "signed in; the refresh token is kept in {}\n",
            tokens.display()
        )
    );
    assert!(
        run.stderr
            .contains(&format!("{}/devicelogin", sandbox.authority_url())),
        "{}",
        run.stderr
    );
    let stored = std::fs::read_to_string(&tokens).unwrap();
    assert!(stored.contains("refresh"), "{stored}");
    // The refresh token itself is never printed.
    assert!(!run.stdout.contains("refresh_token") && !run.stderr.contains("refresh_token"));

    let run = tokio::task::block_in_place(|| relay.run(&["check-config"], b""));
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
}

#[test]
fn login_refuses_app_only_configurations() {
    let relay = Relay::offline("");
    let run = relay.run(&["login"], b"");
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (78, "msgraph-relay: graph.auth: login needs auth = \"device_code\" (the other methods sign in without a user)\n")
    );
}

#[test]
fn hash_password_prints_a_verifiable_argon2_phc_string() {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    let relay = Relay::offline("");
    let run = relay.run(&["hash-password"], b"correct horse\n");
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let phc = run.stdout.trim_end();
    assert!(phc.starts_with("$argon2id$"), "{phc}");
    let hash = PasswordHash::new(phc).unwrap();
    assert!(argon2::Argon2::default()
        .verify_password(b"correct horse", &hash)
        .is_ok());
    assert!(argon2::Argon2::default()
        .verify_password(b"wrong", &hash)
        .is_err());
    let run = relay.run(&["hash-password"], b"");
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (65, "msgraph-relay: no password on stdin\n")
    );
}
