//! `msgraph-outlook-sandbox` binary: starts the sandbox, prints connection settings and
//! tokens, and serves until Ctrl-C.

use std::process::ExitCode;

use msgraph_outlook_sandbox::Sandbox;

const USAGE: &str = "\
msgraph-outlook-sandbox: an offline stand-in for Microsoft Graph v1.0 mail and the
Microsoft identity platform token endpoint, on 127.0.0.1.

USAGE:
    msgraph-outlook-sandbox [--port PORT] [--user ADDRESS]...

OPTIONS:
    --port PORT       Port on 127.0.0.1 (default 0 = pick a free port)
    --user ADDRESS    Create a user with a mailbox (repeatable;
                      default: adele@contoso.com and alex@contoso.com)
    -h, --help        Print this help

Prints the base URL, authority URL, tenant id, client id and secret, one delegated
token per user and a block of environment variables, then serves until Ctrl-C.
";

struct Args {
    port: u16,
    users: Vec<String>,
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut port = 0u16;
    let mut users = Vec::new();
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" => {
                let v = inline
                    .or_else(|| args.next())
                    .ok_or("--port needs a value")?;
                port = v
                    .parse()
                    .map_err(|_| format!("invalid port '{v}' (expected 0-65535)"))?;
            }
            "--user" => {
                let v = inline
                    .or_else(|| args.next())
                    .ok_or("--user needs an address")?;
                if !v.contains('@') {
                    return Err(format!("invalid user address '{v}'"));
                }
                users.push(v);
            }
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    if users.is_empty() {
        users = vec!["adele@contoso.com".into(), "alex@contoso.com".into()];
    }
    Ok(Some(Args { port, users }))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(a)) => a,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let sandbox = match Sandbox::start_on_port(args.port).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {e}", args.port);
            return ExitCode::FAILURE;
        }
    };
    println!("Microsoft Graph sandbox running");
    println!("  base URL:      {}", sandbox.base_url());
    println!("  authority URL: {}", sandbox.authority_url());
    println!(
        "  token URL:     {}/{}/oauth2/v2.0/token",
        sandbox.authority_url(),
        sandbox.tenant_id()
    );
    println!("  tenant id:     {}", sandbox.tenant_id());
    println!("  client id:     {}", sandbox.client_id());
    println!("  client secret: {}", sandbox.client_secret());
    println!();
    println!("Delegated access tokens (valid 1 hour):");
    for user in &args.users {
        let id = sandbox.add_user(user);
        println!("  {user} (id {id}):");
        println!("    {}", sandbox.delegated_token(user));
    }
    println!();
    println!("Environment:");
    println!("export GRAPH_BASE_URL={}", sandbox.base_url());
    println!("export GRAPH_AUTHORITY_URL={}", sandbox.authority_url());
    println!("export GRAPH_TENANT_ID={}", sandbox.tenant_id());
    println!("export GRAPH_CLIENT_ID={}", sandbox.client_id());
    println!("export GRAPH_CLIENT_SECRET='{}'", sandbox.client_secret());
    println!();
    println!("Press Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    drop(sandbox);
    ExitCode::SUCCESS
}
