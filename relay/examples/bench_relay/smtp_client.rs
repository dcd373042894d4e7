//! A raw SMTP client on tokio (no library between the benchmark and the socket): one
//! connection, several messages, each timed from the end of `DATA` to its `250`.

use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

/// One SMTP connection after `EHLO`.
pub struct SmtpClient {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    line: String,
}

fn error(text: String) -> std::io::Error {
    std::io::Error::other(text)
}

impl SmtpClient {
    /// Connects, reads the greeting and says `EHLO`.
    pub async fn connect(addr: std::net::SocketAddr) -> std::io::Result<SmtpClient> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (read, writer) = stream.into_split();
        let mut client = SmtpClient {
            reader: BufReader::new(read),
            writer,
            line: String::new(),
        };
        client.expect(220).await?;
        client.command("EHLO bench.test\r\n", 250).await?;
        Ok(client)
    }

    /// Reads one reply (all its lines) and checks its code.
    async fn expect(&mut self, code: u16) -> std::io::Result<()> {
        loop {
            self.line.clear();
            if self.reader.read_line(&mut self.line).await? == 0 {
                return Err(error(format!("connection closed waiting for {code}")));
            }
            let got: u16 = self.line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
            if got != code {
                return Err(error(format!(
                    "expected {code}, got {:?}",
                    self.line.trim_end()
                )));
            }
            if self.line.as_bytes().get(3) != Some(&b'-') {
                return Ok(());
            }
        }
    }

    async fn command(&mut self, line: &str, code: u16) -> std::io::Result<()> {
        self.writer.write_all(line.as_bytes()).await?;
        self.expect(code).await
    }

    async fn envelope(&mut self, from: &str, to: &[String]) -> std::io::Result<()> {
        self.command(&format!("MAIL FROM:<{from}>\r\n"), 250)
            .await?;
        for rcpt in to {
            self.command(&format!("RCPT TO:<{rcpt}>\r\n"), 250).await?;
        }
        self.command("DATA\r\n", 354).await
    }

    /// Sends one message (`message` already dot-stuffed, CRLF line endings, ending in
    /// CRLF). Returns the time from the end of `DATA` (the final `.` written) to the `250`.
    pub async fn send(
        &mut self,
        from: &str,
        to: &[String],
        message: &[u8],
    ) -> std::io::Result<Duration> {
        self.envelope(from, to).await?;
        self.writer.write_all(message).await?;
        self.writer.write_all(b".\r\n").await?;
        let end_of_data = Instant::now();
        self.expect(250).await?;
        Ok(end_of_data.elapsed())
    }

    /// Like [`send`](Self::send), the message streamed from `body` in 64 KiB pieces (so
    /// the sender holds none of it whole).
    pub async fn send_stream(
        &mut self,
        from: &str,
        to: &[String],
        mut body: impl AsyncRead + Unpin,
    ) -> std::io::Result<Duration> {
        self.envelope(from, to).await?;
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let n = body.read(&mut buffer).await?;
            if n == 0 {
                break;
            }
            self.writer.write_all(&buffer[..n]).await?;
        }
        self.writer.write_all(b".\r\n").await?;
        let end_of_data = Instant::now();
        self.expect(250).await?;
        Ok(end_of_data.elapsed())
    }

    /// `QUIT`.
    pub async fn quit(mut self) -> std::io::Result<()> {
        self.command("QUIT\r\n", 221).await
    }
}
