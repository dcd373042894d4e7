//! The sendmail command line, parsed by hand: sendmail's options glue their values
//! (`-fme@x`, `-oi`, `-odb`) in ways clap does not model.

use std::path::PathBuf;

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SendmailArgs {
    /// `-t`: recipients also from To, Cc and Bcc.
    pub extract_recipients: bool,
    /// `-f ADDR` / `-r ADDR`: the envelope sender.
    pub sender: Option<String>,
    /// `-F NAME`: the full name for an added From header.
    pub full_name: Option<String>,
    /// `-i` / `-oi`: a line with a lone `.` is not the end of input.
    pub ignore_dots: bool,
    /// `-bp`: list the queue instead.
    pub list_queue: bool,
    /// `-bs`: SMTP on stdin and stdout.
    pub smtp_session: bool,
    /// `--direct`: deliver now and wait.
    pub direct: bool,
    /// `-C FILE` / `--config FILE`.
    pub config: Option<PathBuf>,
    /// Recipients given as arguments (comma-separated lists split).
    pub recipients: Vec<String>,
}

/// Options that take a value (glued or as the next argument) and are ignored, as
/// sendmail-compatible programs do: body type, DSN notify/return/envelope id, alias file
/// option, hop count, log file, label.
const IGNORED_WITH_VALUE: [char; 8] = ['B', 'N', 'R', 'V', 'O', 'h', 'X', 'L'];
/// Options without a value that are ignored: verbose, no aliasing, me too, initial
/// submission, relay submission, and `-bm` (deliver mail, the default).
const IGNORED_FLAGS: [&str; 6] = ["-v", "-n", "-m", "-U", "-G", "-bm"];

/// Parses the arguments after the program name. `Err` is the usage error line.
pub fn parse(args: &[String]) -> Result<SendmailArgs, String> {
    let mut parsed = SendmailArgs::default();
    let mut i = 0;
    // The value of `-x VALUE` or `-xVALUE`.
    let value = |i: &mut usize, arg: &str, flag: &str| -> Result<String, String> {
        let glued = &arg[flag.len()..];
        if !glued.is_empty() {
            return Ok(glued.to_string());
        }
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or_else(|| format!("option {flag} needs a value"))
    };
    while i < args.len() {
        let arg = args[i].as_str();
        match arg {
            "--" => {
                parsed.recipients.extend(args[i + 1..].iter().cloned());
                break;
            }
            "--direct" => parsed.direct = true,
            "-t" => parsed.extract_recipients = true,
            "-i" | "-oi" => parsed.ignore_dots = true,
            "-bp" => parsed.list_queue = true,
            "-bs" => parsed.smtp_session = true,
            "-bi" => {} // newaliases: there are no aliases.
            _ if IGNORED_FLAGS.contains(&arg) => {}
            _ if arg.starts_with("--config=") => {
                parsed.config = Some(PathBuf::from(&arg["--config=".len()..]))
            }
            "--config" => parsed.config = Some(PathBuf::from(value(&mut i, arg, arg)?)),
            _ if arg.starts_with("-C") => {
                parsed.config = Some(PathBuf::from(value(&mut i, arg, "-C")?))
            }
            _ if arg.starts_with("-f") => parsed.sender = Some(value(&mut i, arg, "-f")?),
            _ if arg.starts_with("-r") => parsed.sender = Some(value(&mut i, arg, "-r")?),
            _ if arg.starts_with("-F") => parsed.full_name = Some(value(&mut i, arg, "-F")?),
            // -odb, -oem, -oee, -om… (queueing and error modes): the relay always queues.
            _ if arg.starts_with("-o") && arg.len() > 2 => {}
            _ if arg.starts_with("-b") => {
                return Err(format!(
                    "{arg} is not supported (only -bm, -bp, -bs and -bi)"
                ))
            }
            _ if arg.starts_with("-q") => {
                return Err(format!(
                    "{arg}: the queue is run by `msgraph-relay serve` (use `msgraph-relay queue retry --all`)"
                ))
            }
            _ if arg.len() >= 2
                && arg.starts_with('-')
                && IGNORED_WITH_VALUE.contains(&arg[1..].chars().next().unwrap_or(' ')) =>
            {
                let flag = &arg[..2];
                value(&mut i, arg, flag)?;
            }
            _ if arg.starts_with('-') && arg.len() > 1 => {
                return Err(format!("unknown option {arg}"))
            }
            _ => parsed.recipients.push(arg.to_string()),
        }
        i += 1;
    }
    parsed.recipients = parsed
        .recipients
        .iter()
        .flat_map(|r| r.split(','))
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .collect();
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<SendmailArgs, String> {
        parse(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn glued_and_separate_values() {
        let a = p(&[
            "-oi",
            "-fme@x.com",
            "-F",
            "Cron Daemon",
            "-odb",
            "a@x.com,b@x.com",
            "c@x.com",
        ])
        .unwrap();
        assert_eq!(a.sender.as_deref(), Some("me@x.com"));
        assert_eq!(a.full_name.as_deref(), Some("Cron Daemon"));
        assert!(a.ignore_dots);
        assert_eq!(a.recipients, ["a@x.com", "b@x.com", "c@x.com"]);
        let a = p(&[
            "-r",
            "r@x.com",
            "-N",
            "never",
            "-B8BITMIME",
            "--",
            "-weird@x.com",
        ])
        .unwrap();
        assert_eq!(a.sender.as_deref(), Some("r@x.com"));
        assert_eq!(a.recipients, ["-weird@x.com"]);
    }

    #[test]
    fn usage_errors() {
        assert_eq!(p(&["-Z"]).unwrap_err(), "unknown option -Z");
        assert_eq!(p(&["-f"]).unwrap_err(), "option -f needs a value");
        assert_eq!(
            p(&["-bd"]).unwrap_err(),
            "-bd is not supported (only -bm, -bp, -bs and -bi)"
        );
    }
}
