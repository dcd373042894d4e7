//! One SMTP session: the state machine from greeting to `QUIT` (RFC 5321 §4.1.4 command
//! order; RFC 6409 submission rules, RFC 3207 `STARTTLS`, RFC 4954 `AUTH`, RFC 1870
//! `SIZE`). Each command is answered from the state; a message is acknowledged only after
//! the spool committed it.

use super::auth::{self, Credentials, SaslError};
use super::command::Command;
use super::connection::{Connection, Line, MAX_AUTH_LINE, MAX_COMMAND_LINE};
use super::data::{self, DataOutcome};
use super::policy::Admission;
use super::reply::{self, Reply};
use super::Shared;
use crate::config::smtp::SmtpUser;
use crate::envelope::Envelope;
use crate::spool::SpoolError;
use std::borrow::Cow;
use std::io;
use std::net::IpAddr;
use std::sync::Arc;

/// A mail transaction in progress (after `MAIL`).
#[derive(Debug)]
struct Transaction {
    envelope: Envelope,
    /// The size limit for this envelope.
    limit: u64,
    smtputf8: bool,
}

/// What to do after a command.
enum Flow {
    Continue,
    Close,
    StartTls,
}

/// A session's state.
struct Session {
    shared: Arc<Shared>,
    peer: IpAddr,
    admission: Admission,
    greeted: bool,
    user: Option<Arc<SmtpUser>>,
    transaction: Option<Transaction>,
}

/// Runs a session on `connection` (greeting already decided: the client was admitted).
pub(super) async fn run(
    shared: Arc<Shared>,
    mut connection: Connection,
    peer: IpAddr,
    admission: Admission,
) {
    let mut session = Session {
        shared,
        peer,
        admission,
        greeted: false,
        user: None,
        transaction: None,
    };
    connection.reply(&Reply::plain(
        220,
        vec![format!("{} ESMTP msgraph-relay", session.shared.config.hostname).into()],
    ));
    loop {
        let line = match connection.read_line(MAX_AUTH_LINE).await {
            Ok(line) => line,
            Err(e) => {
                if !session.read_failed(&mut connection, e) {
                    break;
                }
                continue;
            }
        };
        let flow = match line {
            Line::Eof => Flow::Close,
            Line::TooLong => {
                session.refuse(&mut connection, reply::line_too_long(), "syntax");
                Flow::Continue
            }
            Line::Bad(reply) => {
                session.refuse(&mut connection, reply, "syntax");
                Flow::Continue
            }
            Line::Text(text) => session.command(&mut connection, &text).await,
        };
        match flow {
            Flow::Continue => {}
            Flow::Close => break,
            Flow::StartTls => {
                let acceptor = session.shared.tls.clone().expect("offered only with TLS");
                connection = match connection.start_tls(&acceptor).await {
                    Ok(upgraded) => upgraded,
                    Err(e) => {
                        tracing::info!(peer = %session.peer, error = %e, "TLS handshake failed");
                        return;
                    }
                };
                // RFC 3207 §4.2: forget everything learnt before TLS.
                session.greeted = false;
                session.user = None;
                session.transaction = None;
            }
        }
        if connection.shutting_down() && session.transaction.is_none() {
            connection.reply(&reply::shutting_down(&session.shared.config.hostname));
            break;
        }
    }
    connection.close().await;
}

impl Session {
    /// Handles a failed read: `true` to go on reading (shutdown seen mid-transaction).
    fn read_failed(&mut self, connection: &mut Connection, error: io::Error) -> bool {
        let hostname = &self.shared.config.hostname;
        match error.kind() {
            io::ErrorKind::Interrupted if self.transaction.is_some() => true,
            io::ErrorKind::Interrupted => {
                connection.reply(&reply::shutting_down(hostname));
                false
            }
            io::ErrorKind::TimedOut => {
                let reply = if connection.shutting_down() {
                    reply::shutting_down(hostname)
                } else {
                    self.shared.metrics.reject("timeout");
                    reply::timeout(hostname)
                };
                connection.reply(&reply);
                false
            }
            _ => false,
        }
    }

    /// Queues a refusal and counts it.
    fn refuse(&self, connection: &mut Connection, reply: Reply, reason: &str) {
        self.shared.metrics.reject(reason);
        connection.reply(&reply);
    }

    async fn command(&mut self, connection: &mut Connection, text: &str) -> Flow {
        let is_auth = text
            .get(..5)
            .is_some_and(|verb| verb.eq_ignore_ascii_case("AUTH "));
        if text.len() + 2 > MAX_COMMAND_LINE && !is_auth {
            self.refuse(connection, reply::line_too_long(), "syntax");
            return Flow::Continue;
        }
        let command = match Command::parse(text) {
            Ok(command) => command,
            Err(reply) => {
                self.refuse(connection, reply, "syntax");
                return Flow::Continue;
            }
        };
        let reply = match command {
            Command::Ehlo(_) => self.ehlo(connection.is_tls()),
            Command::Helo(_) => {
                self.greeted = true;
                self.transaction = None;
                Reply::plain(250, vec![self.shared.config.hostname.clone().into()])
            }
            Command::StartTls => {
                if self.shared.tls.is_none() {
                    reply::not_implemented("STARTTLS not available")
                } else if connection.is_tls() {
                    reply::bad_sequence("TLS already active")
                } else {
                    connection.reply(&reply::ready_for_tls());
                    return Flow::StartTls;
                }
            }
            Command::Auth { mechanism, initial } => {
                return self.auth(connection, &mechanism, initial).await;
            }
            Command::Mail {
                from,
                size,
                smtputf8,
            } => match self.mail(from, size, smtputf8).await {
                Ok(reply) => reply,
                Err((reply, reason)) => {
                    self.refuse(connection, reply, reason);
                    return Flow::Continue;
                }
            },
            Command::Rcpt { to } => match self.rcpt(to) {
                Ok(reply) => reply,
                Err((reply, reason)) => {
                    self.refuse(connection, reply, reason);
                    return Flow::Continue;
                }
            },
            Command::Data => return self.data(connection).await,
            Command::Rset => {
                self.transaction = None;
                reply::ok()
            }
            Command::Noop => reply::ok(),
            Command::Quit => {
                connection.reply(&reply::bye());
                return Flow::Close;
            }
            Command::Vrfy => reply::cannot_verify(),
            Command::Expn => reply::not_implemented("EXPN not available"),
            Command::Help => reply::help(),
        };
        connection.reply(&reply);
        Flow::Continue
    }

    fn auth_offered(&self, tls: bool) -> bool {
        !self.shared.users.is_empty()
            && self.user.is_none()
            && (tls || self.shared.config.allow_auth_without_tls)
    }

    fn ehlo(&mut self, tls: bool) -> Reply {
        self.greeted = true;
        self.transaction = None;
        let config = &self.shared.config;
        let mut lines: Vec<Cow<'static, str>> = vec![
            config.hostname.clone().into(),
            "PIPELINING".into(),
            format!("SIZE {}", config.max_message_size).into(),
            "8BITMIME".into(),
            "SMTPUTF8".into(),
            "ENHANCEDSTATUSCODES".into(),
        ];
        if self.shared.tls.is_some() && !tls {
            lines.push("STARTTLS".into());
        }
        if self.auth_offered(tls) {
            lines.push("AUTH PLAIN LOGIN".into());
        }
        Reply::plain(250, lines)
    }

    async fn auth(
        &mut self,
        connection: &mut Connection,
        mechanism: &str,
        initial: Option<String>,
    ) -> Flow {
        let refusal = if !self.greeted {
            Some(reply::bad_sequence("Send EHLO first"))
        } else if self.shared.users.is_empty() {
            Some(reply::not_implemented("AUTH not available"))
        } else if self.user.is_some() {
            Some(reply::bad_sequence("Already authenticated"))
        } else if self.transaction.is_some() {
            Some(reply::bad_sequence(
                "AUTH not allowed during a mail transaction",
            ))
        } else if !connection.is_tls() && !self.shared.config.allow_auth_without_tls {
            Some(reply::encryption_required())
        } else {
            None
        };
        if let Some(reply) = refusal {
            self.refuse(connection, reply, "auth");
            return Flow::Continue;
        }
        let credentials = match mechanism {
            "PLAIN" => {
                let response = match initial {
                    Some(response) => response,
                    None => match self.challenge(connection, "").await {
                        Ok(response) => response,
                        Err(flow) => return flow,
                    },
                };
                auth::decode_plain(&response)
            }
            "LOGIN" => {
                let user = match initial {
                    Some(user) => user,
                    // "Username:" and "Password:", base64 (the de facto LOGIN exchange).
                    None => match self.challenge(connection, "VXNlcm5hbWU6").await {
                        Ok(response) => response,
                        Err(flow) => return flow,
                    },
                };
                let password = match self.challenge(connection, "UGFzc3dvcmQ6").await {
                    Ok(response) => response,
                    Err(flow) => return flow,
                };
                auth::decode_login(&user, &password)
            }
            _ => {
                self.refuse(connection, reply::unknown_mechanism(), "auth");
                return Flow::Continue;
            }
        };
        match credentials {
            Ok(credentials) => self.check(connection, credentials).await,
            Err(SaslError::Base64) => {
                self.refuse(connection, reply::auth_bad_base64(), "auth");
                Flow::Continue
            }
            Err(SaslError::Malformed) => self.failed(connection, None).await,
        }
    }

    /// Sends a `334` challenge and reads the response line; `Err` ends the exchange.
    async fn challenge(
        &mut self,
        connection: &mut Connection,
        text: &'static str,
    ) -> Result<String, Flow> {
        connection.reply(&Reply::plain(334, vec![text.into()]));
        loop {
            return match connection.read_line(MAX_AUTH_LINE).await {
                Ok(Line::Text(line)) if line == "*" => {
                    self.refuse(connection, reply::auth_cancelled(), "auth");
                    Err(Flow::Continue)
                }
                Ok(Line::Text(line)) => Ok(line),
                Ok(Line::TooLong) => {
                    self.refuse(connection, reply::auth_line_too_long(), "auth");
                    Err(Flow::Continue)
                }
                Ok(Line::Bad(reply)) => {
                    self.refuse(connection, reply, "auth");
                    Err(Flow::Continue)
                }
                Ok(Line::Eof) => Err(Flow::Close),
                // Shutdown: finish the exchange within the grace period.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.read_failed(connection, e);
                    Err(Flow::Close)
                }
            };
        }
    }

    async fn check(&mut self, connection: &mut Connection, credentials: Credentials) -> Flow {
        let name = credentials.user.clone();
        match self.shared.users.verify(credentials).await {
            Some(user) => {
                tracing::info!(peer = %self.peer, user = %user.name, "SMTP client authenticated");
                self.user = Some(user);
                connection.reply(&reply::auth_ok());
                Flow::Continue
            }
            None => self.failed(connection, Some(&name)).await,
        }
    }

    async fn failed(&mut self, connection: &mut Connection, user: Option<&str>) -> Flow {
        self.shared.metrics.auth_failures.inc();
        let verdict = self.shared.limits.record_failure(self.peer);
        tracing::warn!(
            peer = %self.peer,
            user = user.unwrap_or("(unreadable)"),
            locked_out = verdict.locked_out,
            "SMTP authentication failed"
        );
        if !verdict.delay.is_zero() {
            tokio::time::sleep(verdict.delay).await;
        }
        if verdict.locked_out {
            self.refuse(
                connection,
                reply::locked_out(&self.shared.config.hostname),
                "auth",
            );
            return Flow::Close;
        }
        self.refuse(connection, reply::auth_failed(), "auth");
        Flow::Continue
    }

    async fn mail(
        &mut self,
        from: String,
        size: Option<u64>,
        smtputf8: bool,
    ) -> Result<Reply, (Reply, &'static str)> {
        if !self.greeted {
            return Err((reply::bad_sequence("Send EHLO/HELO first"), "sequence"));
        }
        if self.transaction.is_some() {
            return Err((reply::bad_sequence("Sender already specified"), "sequence"));
        }
        if self.user.is_none() && self.admission != Admission::Trusted {
            return Err((reply::auth_required(), "auth"));
        }
        if !smtputf8 && !from.is_ascii() {
            return Err((reply::utf8_address_without_smtputf8(), "syntax"));
        }
        if !self
            .shared
            .policy
            .sender_allowed(&from, self.user.as_deref())
        {
            tracing::info!(peer = %self.peer, sender = %from, "sender not allowed");
            return Err((reply::sender_not_allowed(), "sender"));
        }
        let envelope = Envelope {
            mail_from: from,
            rcpt_to: Vec::new(),
            smtp_user: self.user.as_ref().map(|u| u.name.clone()),
            client_addr: Some(self.peer),
            mailbox: self.user.as_ref().and_then(|u| u.mailbox.clone()),
        };
        let limit = self
            .shared
            .size_limit
            .max_message_size(&envelope)
            .await
            .min(self.shared.config.max_message_size);
        if size.is_some_and(|size| size > limit) {
            return Err((reply::too_large(limit), "size"));
        }
        self.transaction = Some(Transaction {
            envelope,
            limit,
            smtputf8,
        });
        Ok(reply::ok())
    }

    fn rcpt(&mut self, to: String) -> Result<Reply, (Reply, &'static str)> {
        let max = self.shared.config.max_recipients;
        let Some(transaction) = self.transaction.as_mut() else {
            return Err((reply::bad_sequence("Need MAIL before RCPT"), "sequence"));
        };
        if !transaction.smtputf8 && !to.is_ascii() {
            return Err((reply::utf8_address_without_smtputf8(), "syntax"));
        }
        if transaction.envelope.rcpt_to.len() >= max {
            return Err((reply::too_many_recipients(), "recipients"));
        }
        transaction.envelope.rcpt_to.push(to);
        Ok(reply::ok())
    }

    async fn data(&mut self, connection: &mut Connection) -> Flow {
        let ready = match &self.transaction {
            None => Err(reply::bad_sequence("Need MAIL before DATA")),
            Some(t) if t.envelope.rcpt_to.is_empty() => {
                Err(reply::bad_sequence("Need RCPT before DATA"))
            }
            Some(_) => Ok(()),
        };
        if let Err(reply) = ready {
            self.refuse(connection, reply, "sequence");
            return Flow::Continue;
        }
        // The transaction stays open while its data arrives (shutdown lets it finish).
        let limit = self.transaction.as_ref().map_or(0, |t| t.limit);
        let mut incoming = match self.shared.spool.start(limit).await {
            Ok(incoming) => incoming,
            Err(e) => {
                tracing::error!(error = %e, "cannot start a spool file");
                self.transaction = None;
                self.refuse(connection, reply::spool_failed(), "spool");
                return Flow::Continue;
            }
        };
        connection.reply(&reply::start_data());
        let outcome = loop {
            match data::read_data(connection, &mut incoming).await {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        let transaction = self.transaction.take().expect("open during DATA");
        match outcome {
            Ok(DataOutcome::Complete) => {
                let size = incoming.size();
                match incoming.commit(transaction.envelope.clone()).await {
                    Ok(id) => {
                        self.shared.metrics.accepted.inc();
                        tracing::info!(
                            queue_id = %id,
                            peer = %self.peer,
                            from = %transaction.envelope.mail_from,
                            recipients = transaction.envelope.rcpt_to.len(),
                            size,
                            "message accepted"
                        );
                        connection.reply(&reply::queued(id.as_str()));
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "cannot queue a message");
                        self.refuse(connection, reply::spool_failed(), "spool");
                    }
                }
                Flow::Continue
            }
            Ok(DataOutcome::Refused(SpoolError::TooLarge { limit })) => {
                self.refuse(connection, reply::too_large(limit), "size");
                Flow::Continue
            }
            Ok(DataOutcome::Refused(e)) => {
                tracing::error!(error = %e, "cannot write a spool file");
                self.refuse(connection, reply::spool_failed(), "spool");
                Flow::Continue
            }
            // The client went away mid-DATA: nothing is queued (the file is removed).
            Ok(DataOutcome::Eof) => Flow::Close,
            Err(e) => {
                self.read_failed(connection, e);
                Flow::Close
            }
        }
    }
}
