//! `msgraph-outlook-sandbox` binary: starts the sandbox, prints connection settings and
//! tokens, and serves until Ctrl-C.

use std::process::ExitCode;
use std::time::Duration;

use msgraph_outlook_sandbox::{Faults, Sandbox, SendingLimits};

const USAGE: &str = "\
msgraph-outlook-sandbox: an offline stand-in for Microsoft Graph v1.0 mail and
calendar and the Microsoft identity platform token endpoint, on 127.0.0.1.

USAGE:
    msgraph-outlook-sandbox [--port PORT] [--user ADDRESS]... [DELEGATION OPTIONS]
                            [SIGN-IN OPTIONS] [PERMISSION OPTIONS] [FAULT OPTIONS]
                            [SERVER OPTIONS]

OPTIONS:
    --port PORT       Port on 127.0.0.1 (default 0 = pick a free port)
    --user ADDRESS    Create a user with a mailbox (repeatable;
                      default: adele@contoso.com and alex@contoso.com)
    --verified-domain DOMAIN
                      A verified domain of the tenant (repeatable; default: the
                      domains of the users): calendar permissions for addresses
                      in it have isInsideOrganization = true
    -h, --help        Print this help

DELEGATION OPTIONS (repeatable; users are created when missing):
    --full-access OWNER:DELEGATE      DELEGATE gets Full Access to OWNER's mailbox
                                      (/users/OWNER/... mail and calendar paths;
                                      sending from OWNER also needs --send-as or
                                      --send-on-behalf)
    --send-as OWNER:DELEGATE          DELEGATE may send with from = OWNER
    --send-on-behalf OWNER:DELEGATE   DELEGATE may send on behalf of OWNER
                                      (from = OWNER, sender = DELEGATE)
    --user-without-mailbox ADDRESS    A user without an Exchange Online mailbox
                                      (404 MailboxNotEnabledForRESTAPI)
    Calendar sharing and delegation are set up like in Graph, by the owner:
    POST /me/calendar/calendarPermissions.

SIGN-IN OPTIONS (identity platform; users are created when missing):
    --sign-in-as ADDRESS              The authorize endpoint signs ADDRESS in when a
                                      request has no login_hint (a browser session)
    --auto-approve-device-codes ADDRESS[:N]
                                      Device codes are approved for ADDRESS after N
                                      polls (default 0) answered authorization_pending
                                      (otherwise approve them at the printed
                                      /devicelogin page)
    --device-code-interval SECONDS    interval of device codes (default 5)

PERMISSION OPTIONS:
    --app-role ROLE                   (repeatable) The sandbox app (and its managed
                                      identities) holds only these application roles,
                                      e.g. --app-role Mail.Send; app-only tokens carry
                                      them as roles (default: every Mail.*, Calendars.*
                                      and MailboxSettings.* role). Delegated tokens
                                      carry the scopes requested at sign-in; the
                                      printed ones carry all delegated scopes.

FAULT OPTIONS (Graph requests under /v1.0 only, never the token endpoint):
    --throttle SHARE          Share 0.0-1.0 of requests answered 429 TooManyRequests
                              with Retry-After (not applied)
    --unavailable SHARE       Share 0.0-1.0 of requests answered 503
                              serviceNotAvailable with Retry-After (not applied)
    --cut-off SHARE           Share 0.0-1.0 of requests that are applied, then their
                              connection is closed without a response
    --retry-after SECONDS     Retry-After of those 429/503 answers and of the
                              concurrency limit's 429s (default 0)
    --seed N                  Seed of the random fault choice (default: clock)
    --concurrency-limit N     Concurrent requests per (app, mailbox) before 429
                              (default 4, Outlook's limit; 0 = off)
    --latency-ms N            Artificial latency of every Graph request, in
                              milliseconds (default 0)

SENDING LIMITS (Exchange Online's, per mailbox, on the sandbox clock; off by default):
    --messages-per-minute N   Beyond N messages in a rolling minute, sends are
                              accepted (202) but wait in the sender's Outbox and go
                              out at that rate (Exchange Online: 30)
    --recipients-per-day N    Beyond N recipients in a rolling 24 hours, a message is
                              not delivered and the sender gets a 550 5.1.90
                              non-delivery report (Exchange Online: 10000)
    --max-message-size ADDRESS:BYTES
                              (repeatable) Largest message ADDRESS sends or receives
                              (default 36700160 = 35 MB); larger sends answer 400
                              ErrorMessageSizeExceeded; MailTips report it

MAILBOX STATE (read by MailTips and delivery):
    --mailbox-full ADDRESS    (repeatable) The mailbox is full: MailTips report
                              mailboxFull: true; messages to it are not delivered and
                              the sender gets a 554 5.2.2 non-delivery report
    --custom-mail-tip ADDRESS:TEXT
                              (repeatable) The mailbox's custom MailTip

SERVER OPTIONS:
    --log FILE                Write one JSON line per request to FILE (created or
                              truncated): time, method, path, query, status,
                              clientRequestId, requestId, bodySize (never a header,
                              so never Authorization)
    --token-lifetime SECONDS  Lifetime of the access tokens issued (default 3599),
                              on the sandbox clock
    --idle-timeout SECONDS    Close a connection idle (no bytes of headers or body
                              while no request of it is handled) for this long
                              (default 30)
    --max-connections N       Serve at most N connections at once; more clients wait
                              in the accept queue (default 1024)
    --request-log-limit N     Requests kept in memory for inspection (default 10000)
    --request-body-limit BYTES
                              Bytes kept of each recorded body (default 65536)

CLOCK (no token; any language): GET {authority}/_sandbox/clock -> {\"now\": \"...\"};
POST it {\"advanceSeconds\": N} or {\"now\": \"2030-01-01T09:00:00Z\"} to move the
sandbox clock (deferred messages are delivered, tokens expire).

Prints the base URL, the identity-platform URLs (token, devicecode, authorize, device
login page, managed identity endpoints), tenant id, client id and secret, one delegated
token per user and a block of environment variables, then serves until Ctrl-C.
";

/// A mailbox right from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grant {
    FullAccess,
    SendAs,
    SendOnBehalf,
}

struct Args {
    port: u16,
    users: Vec<String>,
    /// (right, owner, delegate).
    grants: Vec<(Grant, String, String)>,
    without_mailbox: Vec<String>,
    faults: Faults,
    concurrency_limit: Option<usize>,
    latency_ms: Option<u64>,
    sending_limits: SendingLimits,
    /// `--max-message-size ADDRESS:BYTES` values.
    max_message_sizes: Vec<(String, u64)>,
    /// `--mailbox-full ADDRESS` values.
    full_mailboxes: Vec<String>,
    /// `--custom-mail-tip ADDRESS:TEXT` values.
    custom_mail_tips: Vec<(String, String)>,
    sign_in_as: Option<String>,
    /// (address, polls before approval).
    auto_approve: Option<(String, u32)>,
    device_code_interval: Option<u64>,
    /// `--app-role` values (empty: the default, every role).
    app_roles: Vec<String>,
    /// `--log FILE`.
    log: Option<String>,
    token_lifetime: Option<u64>,
    idle_timeout: Option<u64>,
    max_connections: Option<usize>,
    request_log_limit: Option<usize>,
    request_body_limit: Option<usize>,
    /// `--verified-domain` values (empty: the users' domains).
    verified_domains: Vec<String>,
}

fn parse_share(flag: &str, v: &str) -> Result<f64, String> {
    match v.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("invalid {flag} '{v}' (expected a share 0.0-1.0)")),
    }
}

fn parse_num<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("invalid {flag} '{v}' (expected a whole number >= 0)"))
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut port = 0u16;
    let mut users = Vec::new();
    let mut grants = Vec::new();
    let mut without_mailbox = Vec::new();
    let mut faults = Faults::default();
    let mut concurrency_limit = None;
    let mut latency_ms = None;
    let mut sending_limits = SendingLimits::default();
    let mut max_message_sizes = Vec::new();
    let mut full_mailboxes = Vec::new();
    let mut custom_mail_tips = Vec::new();
    let mut sign_in_as = None;
    let mut auto_approve = None;
    let mut device_code_interval = None;
    let mut app_roles = Vec::new();
    let mut log = None;
    let (mut token_lifetime, mut idle_timeout, mut max_connections) = (None, None, None);
    let (mut request_log_limit, mut request_body_limit) = (None, None);
    let mut verified_domains = Vec::new();
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
            "--verified-domain" => {
                let v = inline
                    .or_else(|| args.next())
                    .ok_or("--verified-domain needs a domain")?;
                if v.is_empty() || v.contains('@') {
                    return Err(format!("invalid domain '{v}'"));
                }
                verified_domains.push(v);
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
            "--full-access" | "--send-as" | "--send-on-behalf" => {
                let v = inline
                    .or_else(|| args.next())
                    .ok_or(format!("{flag} needs OWNER:DELEGATE"))?;
                let (owner, delegate) = v
                    .split_once(':')
                    .filter(|(o, d)| o.contains('@') && d.contains('@'))
                    .ok_or(format!(
                        "invalid {flag} '{v}' (expected OWNER:DELEGATE addresses)"
                    ))?;
                let grant = match flag.as_str() {
                    "--full-access" => Grant::FullAccess,
                    "--send-as" => Grant::SendAs,
                    _ => Grant::SendOnBehalf,
                };
                grants.push((grant, owner.to_string(), delegate.to_string()));
            }
            "--user-without-mailbox" => {
                let v = inline
                    .or_else(|| args.next())
                    .ok_or("--user-without-mailbox needs an address")?;
                if !v.contains('@') {
                    return Err(format!("invalid user address '{v}'"));
                }
                without_mailbox.push(v);
            }
            "--sign-in-as" => {
                let v = inline
                    .or_else(|| args.next())
                    .ok_or("--sign-in-as needs an address")?;
                if !v.contains('@') {
                    return Err(format!("invalid user address '{v}'"));
                }
                sign_in_as = Some(v);
            }
            "--auto-approve-device-codes" => {
                let v = inline
                    .or_else(|| args.next())
                    .ok_or("--auto-approve-device-codes needs ADDRESS[:N]")?;
                let (address, polls) = match v.rsplit_once(':') {
                    Some((a, n)) => (a.to_string(), parse_num(&flag, n)?),
                    None => (v.clone(), 0),
                };
                if !address.contains('@') {
                    return Err(format!("invalid user address '{address}'"));
                }
                auto_approve = Some((address, polls));
            }
            "--device-code-interval" => {
                let v = inline
                    .or_else(|| args.next())
                    .ok_or("--device-code-interval needs a value")?;
                device_code_interval = Some(parse_num(&flag, &v)?);
            }
            "--app-role" => {
                let v = inline
                    .or_else(|| args.next())
                    .ok_or("--app-role needs a role name")?;
                if v.trim().is_empty() || v.contains(char::is_whitespace) {
                    return Err(format!("invalid role '{v}' (expected e.g. Mail.Send)"));
                }
                app_roles.push(v);
            }
            "--throttle"
            | "--unavailable"
            | "--cut-off"
            | "--retry-after"
            | "--seed"
            | "--concurrency-limit"
            | "--latency-ms" => {
                let v = inline
                    .or_else(|| args.next())
                    .ok_or(format!("{flag} needs a value"))?;
                match flag.as_str() {
                    "--throttle" => faults.throttle = parse_share(&flag, &v)?,
                    "--unavailable" => faults.unavailable = parse_share(&flag, &v)?,
                    "--cut-off" => faults.cut_off = parse_share(&flag, &v)?,
                    "--retry-after" => {
                        faults.retry_after = Duration::from_secs(parse_num(&flag, &v)?)
                    }
                    "--seed" => faults.seed = Some(parse_num(&flag, &v)?),
                    "--concurrency-limit" => concurrency_limit = Some(parse_num(&flag, &v)?),
                    _ => latency_ms = Some(parse_num(&flag, &v)?),
                }
            }
            "--messages-per-minute" | "--recipients-per-day" => {
                let v = inline
                    .or_else(|| args.next())
                    .ok_or(format!("{flag} needs a value"))?;
                let n = Some(parse_num(&flag, &v)?);
                if flag == "--messages-per-minute" {
                    sending_limits.messages_per_minute = n;
                } else {
                    sending_limits.recipients_per_day = n;
                }
            }
            "--max-message-size" => {
                let v = inline
                    .or_else(|| args.next())
                    .ok_or("--max-message-size needs ADDRESS:BYTES")?;
                let (address, bytes) =
                    v.rsplit_once(':')
                        .filter(|(a, _)| a.contains('@'))
                        .ok_or(format!(
                            "invalid --max-message-size '{v}' (expected ADDRESS:BYTES)"
                        ))?;
                max_message_sizes.push((address.to_string(), parse_num(&flag, bytes)?));
            }
            "--mailbox-full" => {
                let v = inline
                    .or_else(|| args.next())
                    .filter(|a| a.contains('@'))
                    .ok_or("--mailbox-full needs an ADDRESS")?;
                full_mailboxes.push(v);
            }
            "--custom-mail-tip" => {
                let v = inline
                    .or_else(|| args.next())
                    .ok_or("--custom-mail-tip needs ADDRESS:TEXT")?;
                let (address, text) =
                    v.split_once(':')
                        .filter(|(a, _)| a.contains('@'))
                        .ok_or(format!(
                            "invalid --custom-mail-tip '{v}' (expected ADDRESS:TEXT)"
                        ))?;
                custom_mail_tips.push((address.to_string(), text.to_string()));
            }
            "--log" => {
                let v = inline
                    .or_else(|| args.next())
                    .ok_or("--log needs a file name")?;
                log = Some(v);
            }
            "--token-lifetime"
            | "--idle-timeout"
            | "--max-connections"
            | "--request-log-limit"
            | "--request-body-limit" => {
                let v = inline
                    .or_else(|| args.next())
                    .ok_or(format!("{flag} needs a value"))?;
                match flag.as_str() {
                    "--token-lifetime" => match parse_num(&flag, &v)? {
                        0 => return Err("--token-lifetime must be at least 1".into()),
                        n => token_lifetime = Some(n),
                    },
                    "--idle-timeout" => idle_timeout = Some(parse_num(&flag, &v)?),
                    "--max-connections" => max_connections = Some(parse_num(&flag, &v)?),
                    "--request-log-limit" => request_log_limit = Some(parse_num(&flag, &v)?),
                    _ => request_body_limit = Some(parse_num(&flag, &v)?),
                }
            }
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    if users.is_empty() {
        users = vec!["adele@contoso.com".into(), "alex@contoso.com".into()];
    }
    if faults.throttle + faults.unavailable + faults.cut_off > 1.0 {
        return Err("--throttle + --unavailable + --cut-off must not exceed 1.0".into());
    }
    Ok(Some(Args {
        port,
        users,
        grants,
        without_mailbox,
        faults,
        concurrency_limit,
        latency_ms,
        sending_limits,
        max_message_sizes,
        full_mailboxes,
        custom_mail_tips,
        sign_in_as,
        auto_approve,
        device_code_interval,
        app_roles,
        log,
        token_lifetime,
        idle_timeout,
        max_connections,
        request_log_limit,
        request_body_limit,
        verified_domains,
    }))
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
    let mut builder = Sandbox::builder().port(args.port);
    if let Some(secs) = args.idle_timeout {
        builder = builder.idle_timeout(Duration::from_secs(secs));
    }
    if let Some(n) = args.max_connections {
        builder = builder.max_connections(n);
    }
    let sandbox = match builder.start().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {e}", args.port);
            return ExitCode::FAILURE;
        }
    };
    println!("Microsoft Graph sandbox running");
    println!("  base URL:      {}", sandbox.base_url());
    println!("  authority URL: {}", sandbox.authority_url());
    println!("  token URL:     {}", sandbox.token_url());
    println!("  devicecode:    {}", sandbox.devicecode_url());
    println!("  authorize:     {}", sandbox.authorize_url());
    println!("  device login:  {}/devicelogin", sandbox.authority_url());
    println!(
        "  IMDS:          {} (GET, Metadata: true)",
        sandbox.imds_endpoint()
    );
    println!(
        "  App Service:   {} (GET, X-IDENTITY-HEADER: {})",
        sandbox.app_service_identity_endpoint(),
        sandbox.identity_header()
    );
    println!("  tenant id:     {}", sandbox.tenant_id());
    println!("  client id:     {}", sandbox.client_id());
    println!("  client secret: {}", sandbox.client_secret());
    println!(
        "  managed identity client id: {}",
        sandbox.managed_identity_client_id()
    );
    println!(
        "  clock:         {}/_sandbox/clock",
        sandbox.authority_url()
    );
    if let Some(path) = &args.log {
        if let Err(e) = sandbox.log_requests_to(path) {
            eprintln!("error: cannot write the log file {path}: {e}");
            return ExitCode::FAILURE;
        }
        println!("  request log:   {path}");
    }
    if let Some(n) = args.request_log_limit {
        sandbox.set_request_log_limit(n);
    }
    if let Some(n) = args.request_body_limit {
        sandbox.set_request_body_limit(n);
    }
    let token_lifetime = Duration::from_secs(args.token_lifetime.unwrap_or(3600));
    if args.token_lifetime.is_some() {
        sandbox.set_token_lifetime(token_lifetime);
    }
    print_faults(&args);
    sandbox.set_faults(args.faults.clone());
    if let Some(limit) = args.concurrency_limit {
        sandbox.set_concurrency_limit(Some(limit).filter(|&l| l > 0));
    }
    if let Some(ms) = args.latency_ms {
        sandbox.set_latency(Duration::from_millis(ms));
    }
    sandbox.set_sending_limits(args.sending_limits);
    if !args.verified_domains.is_empty() {
        let domains: Vec<&str> = args.verified_domains.iter().map(String::as_str).collect();
        sandbox.set_verified_domains(&domains);
        println!("  verified domains: {}", domains.join(", "));
    }
    if let Some(secs) = args.device_code_interval {
        sandbox.set_device_code_interval(secs);
    }
    if !args.app_roles.is_empty() {
        let roles: Vec<&str> = args.app_roles.iter().map(String::as_str).collect();
        sandbox.grant_app_roles(&roles);
        println!("  app roles:     {}", args.app_roles.join(" "));
    }
    if let Some(address) = &args.sign_in_as {
        sandbox.sign_in_as(address);
        println!("  signed in at the authorize endpoint: {address}");
    }
    if let Some((address, polls)) = &args.auto_approve {
        sandbox.auto_approve_device_codes(address, *polls);
        println!("  device codes approved for {address} after {polls} poll(s)");
    }
    println!();
    println!(
        "Delegated access tokens (valid {} s of the sandbox clock, every delegated scope):",
        token_lifetime.as_secs()
    );
    for user in &args.users {
        let id = sandbox.add_user(user);
        println!("  {user} (id {id}):");
        println!(
            "    {}",
            sandbox.delegated_token_expiring_in(user, token_lifetime)
        );
    }
    for address in &args.without_mailbox {
        let id = sandbox.add_user_without_mailbox(address);
        println!("  {address} (id {id}): no mailbox");
    }
    for (address, bytes) in &args.max_message_sizes {
        sandbox.set_max_message_size(address, *bytes);
        println!("  {address}: messages up to {bytes} bytes");
    }
    for address in &args.full_mailboxes {
        sandbox.set_mailbox_full(address, true);
        println!("  {address}: mailbox full");
    }
    for (address, text) in &args.custom_mail_tips {
        sandbox.set_custom_mail_tip(address, text);
        println!("  {address}: custom MailTip \"{text}\"");
    }
    for (grant, owner, delegate) in &args.grants {
        let what = match grant {
            Grant::FullAccess => {
                sandbox.grant_full_access(owner, delegate);
                "Full Access to"
            }
            Grant::SendAs => {
                sandbox.grant_send_as(owner, delegate);
                "Send As"
            }
            Grant::SendOnBehalf => {
                sandbox.grant_send_on_behalf(owner, delegate);
                "Send on Behalf of"
            }
        };
        println!("  {delegate} has {what} {owner}");
    }
    println!();
    println!("Environment:");
    println!("export GRAPH_BASE_URL={}", sandbox.base_url());
    println!("export GRAPH_AUTHORITY_URL={}", sandbox.authority_url());
    println!("export GRAPH_TENANT_ID={}", sandbox.tenant_id());
    println!("export GRAPH_CLIENT_ID={}", sandbox.client_id());
    println!("export GRAPH_CLIENT_SECRET='{}'", sandbox.client_secret());
    println!(
        "export IDENTITY_ENDPOINT={}",
        sandbox.app_service_identity_endpoint()
    );
    println!("export IDENTITY_HEADER={}", sandbox.identity_header());
    println!();
    println!("Press Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    drop(sandbox);
    ExitCode::SUCCESS
}

/// Prints the fault / limit settings that differ from the defaults.
fn print_faults(args: &Args) {
    let f = &args.faults;
    let mut lines = Vec::new();
    if f.throttle > 0.0 {
        lines.push(format!(
            "throttle:      {} (429 TooManyRequests)",
            f.throttle
        ));
    }
    if f.unavailable > 0.0 {
        lines.push(format!(
            "unavailable:   {} (503 serviceNotAvailable)",
            f.unavailable
        ));
    }
    if f.cut_off > 0.0 {
        lines.push(format!(
            "cut off:       {} (applied, no response)",
            f.cut_off
        ));
    }
    if !f.retry_after.is_zero() {
        lines.push(format!("retry after:   {} s", f.retry_after.as_secs()));
    }
    if let Some(seed) = f.seed {
        lines.push(format!("seed:          {seed}"));
    }
    match args.concurrency_limit {
        Some(0) => lines.push("concurrency:   no limit".to_string()),
        Some(n) => lines.push(format!("concurrency:   {n} per app and mailbox")),
        None => {}
    }
    if let Some(ms) = args.latency_ms {
        lines.push(format!("latency:       {ms} ms"));
    }
    if let Some(n) = args.sending_limits.messages_per_minute {
        lines.push(format!("sending:       {n} messages a minute per mailbox"));
    }
    if let Some(n) = args.sending_limits.recipients_per_day {
        lines.push(format!("recipients:    {n} a day per mailbox"));
    }
    if !lines.is_empty() {
        println!("  faults and limits (Graph requests only):");
        for l in lines {
            println!("    {l}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Args>, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn delegation_options() {
        let a = parse(&[
            "--full-access",
            "shared@contoso.com:adele@contoso.com",
            "--send-as=alex@contoso.com:adele@contoso.com",
            "--send-on-behalf",
            "alex@contoso.com:megan@contoso.com",
            "--user-without-mailbox",
            "onprem@contoso.com",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            a.grants,
            vec![
                (
                    Grant::FullAccess,
                    "shared@contoso.com".to_string(),
                    "adele@contoso.com".to_string()
                ),
                (
                    Grant::SendAs,
                    "alex@contoso.com".to_string(),
                    "adele@contoso.com".to_string()
                ),
                (
                    Grant::SendOnBehalf,
                    "alex@contoso.com".to_string(),
                    "megan@contoso.com".to_string()
                ),
            ]
        );
        assert_eq!(a.without_mailbox, ["onprem@contoso.com"]);
        assert!(parse(&["--send-as", "alex"]).is_err());
    }

    #[test]
    fn verified_domain_option() {
        let a = parse(&[
            "--verified-domain",
            "contoso.com",
            "--verified-domain=fabrikam.com",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(a.verified_domains, ["contoso.com", "fabrikam.com"]);
        assert!(parse(&["--verified-domain", "a@b.com"]).is_err());
        assert!(parse(&["--verified-domain"]).is_err());
    }

    #[test]
    fn sign_in_options() {
        let a = parse(&[
            "--sign-in-as",
            "adele@contoso.com",
            "--auto-approve-device-codes=alex@contoso.com:2",
            "--device-code-interval",
            "1",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(a.sign_in_as.as_deref(), Some("adele@contoso.com"));
        assert_eq!(a.auto_approve, Some(("alex@contoso.com".to_string(), 2)));
        assert_eq!(a.device_code_interval, Some(1));
        let a = parse(&["--auto-approve-device-codes", "alex@contoso.com"])
            .unwrap()
            .unwrap();
        assert_eq!(a.auto_approve, Some(("alex@contoso.com".to_string(), 0)));
        assert!(parse(&["--auto-approve-device-codes", "alex:x"]).is_err());
        assert!(parse(&["--sign-in-as", "adele"]).is_err());
    }

    #[test]
    fn sending_limit_options() {
        let a = parse(&["--messages-per-minute", "30", "--recipients-per-day=10000"])
            .unwrap()
            .unwrap();
        assert_eq!(
            a.sending_limits,
            SendingLimits {
                messages_per_minute: Some(30),
                recipients_per_day: Some(10_000),
            }
        );
        let a = parse(&["--latency-ms", "250"]).unwrap().unwrap();
        assert_eq!(a.latency_ms, Some(250));
        assert_eq!(a.sending_limits, SendingLimits::default());
        assert!(parse(&["--messages-per-minute", "x"]).is_err());
        let a = parse(&["--max-message-size", "adele@contoso.com:157286400"])
            .unwrap()
            .unwrap();
        assert_eq!(
            a.max_message_sizes,
            [("adele@contoso.com".to_string(), 157_286_400)]
        );
        assert!(parse(&["--max-message-size", "157286400"]).is_err());
        assert!(parse(&["--max-message-size", "adele@contoso.com:big"]).is_err());
        assert!(parse(&["--recipients-per-day"]).is_err());
    }

    #[test]
    fn mailbox_state_options() {
        let a = parse(&[
            "--mailbox-full",
            "alex@contoso.com",
            "--custom-mail-tip=alex@contoso.com:On leave: write to Megan.",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(a.full_mailboxes, ["alex@contoso.com"]);
        assert_eq!(
            a.custom_mail_tips,
            [(
                "alex@contoso.com".to_string(),
                "On leave: write to Megan.".to_string()
            )]
        );
        assert!(parse(&["--mailbox-full", "alex"]).is_err());
        assert!(parse(&["--custom-mail-tip", "On leave"]).is_err());
    }

    #[test]
    fn app_role_options() {
        let a = parse(&["--app-role", "Mail.Send", "--app-role=Mail.Read"])
            .unwrap()
            .unwrap();
        assert_eq!(a.app_roles, ["Mail.Send", "Mail.Read"]);
        assert!(parse(&[]).unwrap().unwrap().app_roles.is_empty());
        assert!(parse(&["--app-role"]).is_err());
    }

    #[test]
    fn server_options() {
        let a = parse(&[
            "--log",
            "/tmp/x.jsonl",
            "--token-lifetime=60",
            "--idle-timeout",
            "5",
            "--max-connections",
            "8",
            "--request-log-limit",
            "100",
            "--request-body-limit",
            "1024",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(a.log.as_deref(), Some("/tmp/x.jsonl"));
        assert_eq!(a.token_lifetime, Some(60));
        assert_eq!(a.idle_timeout, Some(5));
        assert_eq!(a.max_connections, Some(8));
        assert_eq!(a.request_log_limit, Some(100));
        assert_eq!(a.request_body_limit, Some(1024));
        assert!(parse(&["--token-lifetime", "0"]).is_err());
        assert!(parse(&["--log"]).is_err());
    }
}
