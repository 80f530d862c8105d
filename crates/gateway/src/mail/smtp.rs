//! E-mail out: an outbox row becomes a MIME message (text and HTML alternatives, base64 bodies,
//! so any server takes them and a test can read them), sent through the configured SMTP server,
//! or, with none configured, written as an `.eml` file under `{data_dir}/mail/` so nothing is lost
//! and a newcomer can open it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use oblako_store::messages::Message as Row;

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Where e-mail goes.
#[derive(Clone)]
pub enum Outlet {
    /// An SMTP server.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files in this directory.
    Spool(PathBuf),
}

impl std::fmt::Debug for Outlet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outlet::Smtp(_) => f.write_str("Outlet::Smtp"),
            Outlet::Spool(dir) => write!(f, "Outlet::Spool({})", dir.display()),
        }
    }
}

impl Outlet {
    /// The SMTP server of `smtp_url` (`smtp://host:port`, `smtp://…?tls=required` for STARTTLS,
    /// `smtps://` for TLS from the start, user and password in the URL), or the spool under
    /// `data_dir` when the URL is empty.
    pub fn new(smtp_url: &str, data_dir: &Path) -> anyhow::Result<Outlet> {
        if smtp_url.trim().is_empty() {
            return Ok(Outlet::Spool(data_dir.join("mail")));
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url.trim())
            .map_err(|e| anyhow::anyhow!("smtp_url: {e}"))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(Outlet::Smtp(transport))
    }

    /// Sends `row` from `from`; the answer is where it went (`smtp`, `file:{path}`).
    pub async fn send(&self, from: &Mailbox, row: &Row) -> Result<String, SendError> {
        let message = build(from, row)?;
        match self {
            Outlet::Smtp(transport) => {
                transport
                    .send(message)
                    .await
                    .map_err(|e| SendError::Retry(format!("SMTP: {e}")))?;
                Ok("smtp".to_owned())
            }
            Outlet::Spool(dir) => {
                let path = spool(dir, row.id, &message.formatted())
                    .await
                    .map_err(|e| SendError::Retry(format!("writing the .eml file: {e}")))?;
                Ok(format!("file:{}", path.display()))
            }
        }
    }
}

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// It can never be sent (a malformed address): give up.
    Permanent(String),
    /// Try again later.
    Retry(String),
}

/// The MIME message of an outbox row.
pub fn build(from: &Mailbox, row: &Row) -> Result<Message, SendError> {
    let to: Mailbox = row
        .recipient
        .parse()
        .map_err(|e| SendError::Permanent(format!("recipient {:?}: {e}", row.recipient)))?;
    let part = |kind: ContentType, body: &str| {
        SinglePart::builder()
            .header(kind)
            .header(ContentTransferEncoding::Base64)
            .body(body.to_owned())
    };
    let body = MultiPart::alternative()
        .singlepart(part(ContentType::TEXT_PLAIN, &row.text))
        .singlepart(part(ContentType::TEXT_HTML, &row.html));
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(row.subject.clone())
        .multipart(body)
        .map_err(|e| SendError::Permanent(format!("building the message: {e}")))
}

/// Writes `bytes` as `{dir}/message-{id}.eml`, whole or not at all.
async fn spool(dir: &Path, id: i64, bytes: &[u8]) -> std::io::Result<PathBuf> {
    tokio::fs::create_dir_all(dir).await?;
    let path = dir.join(format!("message-{id}.eml"));
    let partial = dir.join(format!(".message-{id}.eml.part"));
    tokio::fs::write(&partial, bytes).await?;
    tokio::fs::rename(&partial, &path).await?;
    Ok(path)
}
