//! A cabinet form that changes something runs once per form: the post claims an idempotency key
//! (`oblako_gateway::once`, the door the API's `X-Request-ID` and the money actions use) made
//! of the session, the object, the action, the form's values and what the page saw of the
//! object (its `seen` field: a version of the object, or a token drawn when the page was drawn
//! for a form that makes something new). A second post of the same form (a double click) finds
//! the key taken and does nothing; the first answer's page (where to go) is shown again.

use axum::response::{IntoResponse, Redirect, Response};
use oblako_core::ids::{Mode, SiteId};
use oblako_gateway::once::{self, Once, Stored};
use oblako_store::idempotency::KeyRef;

use super::page;
use super::session::Session;
use crate::state::AppState;

/// What a form came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    /// Done (or done before, by the same form): the page to go to.
    Go(String),
    /// The flow refused, with its words (the protocol's, as the API answers them).
    Refused(String),
}

impl Stored for Done {
    fn stored(&self) -> (u16, &[u8]) {
        match self {
            Done::Go(to) => (303, to.as_bytes()),
            Done::Refused(words) => (422, words.as_bytes()),
        }
    }
}

impl Done {
    /// The page for this outcome in the session's language.
    pub fn page(self, s: &Session) -> Response {
        match self {
            Done::Go(to) => Redirect::to(&to).into_response(),
            Done::Refused(words) => page::refused(s.lang, &words),
        }
    }
}

/// A token for a form that makes something new, drawn when its page is drawn.
pub fn fresh_seen() -> String {
    crate::secrets::random_hex(12).unwrap_or_default()
}

/// Runs `work` once for the form made of `parts` (the object, the action, the values, the view),
/// posted in session `s` about `site` in `mode`; a repeat goes to `otherwise` (the object's
/// page) or to where the first post went.
pub async fn once_per_form<F, Fut>(
    state: &AppState,
    s: &Session,
    (site, mode): (SiteId, Mode),
    parts: &[&str],
    otherwise: &str,
    work: F,
) -> anyhow::Result<Done>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = anyhow::Result<Done>>,
{
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    ctx.update(&s.id_hash);
    for part in parts {
        ctx.update(b"\n");
        ctx.update(part.as_bytes());
    }
    let digest = ctx.finish();
    let key_text = format!("cabinet:{}", crate::secrets::hex(digest.as_ref()));
    let key = KeyRef {
        site,
        mode,
        key: &key_text,
    };
    // A second click is answered at once, as the money actions answer it.
    let policy = state.once_policy(std::time::Duration::ZERO);
    let done = match once::run(state, key, digest.as_ref(), policy, |_| work()).await? {
        Once::Ran(done) => done,
        Once::Replayed { status: 303, body } => {
            Done::Go(String::from_utf8(body).unwrap_or_else(|_| otherwise.to_owned()))
        }
        Once::Replayed { .. } | Once::Running | Once::Mismatch => Done::Go(otherwise.to_owned()),
    };
    Ok(done)
}
