//! Who is asking: the session cookie, the server-side session row it names, the staff member's
//! role and account, and the guards on every state-changing request (the Origin check and the
//! session's CSRF token).
//!
//! The cookie holds 256 random bits; the database holds only their SHA-256, so a copy of the
//! database opens no session. A session ends after 15 minutes without a request or 12 hours
//! after sign-in, whichever comes first; a new id is issued at every sign-in step.

use aws_lc_rs::digest;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use oblako_core::ids::AccountId;
use oblako_core::staff::{Action, Role};
use oblako_store::sessions::{self, SessionRow};
use serde::de::DeserializeOwned;

use super::page::{self, Words};
use crate::pages::Lang;
use crate::secrets::random_hex;
use crate::state::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "oblako_cabinet";
/// A session ends after this long without a request.
pub const IDLE_MS: i64 = 15 * 60 * 1000;
/// A session ends this long after sign-in.
pub const ABSOLUTE_MS: i64 = 12 * 60 * 60 * 1000;
/// A request refreshes the idle clock only when the last refresh is older than this (a write
/// per click would cost a round trip per page).
const TOUCH_EVERY_MS: i64 = 30 * 1000;
/// The largest form a cabinet page posts.
const FORM_LIMIT: usize = 64 * 1024;

/// The SHA-256 of a token (session ids, set-up links, recovery codes are stored this way).
pub fn token_hash(token: &str) -> Vec<u8> {
    digest::digest(&digest::SHA256, token.as_bytes())
        .as_ref()
        .to_vec()
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

/// A `Set-Cookie` value for the cabinet: HttpOnly, SameSite=Lax, Secure when the public URL is
/// https, scoped to `/cabinet`.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if state.config.cabinet_url().starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let text = format!(
        "{name}={value}; Path=/cabinet; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    );
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static(""))
}

/// Opens a session at `stage` for `staff` and answers a redirect to `to` that sets its cookie.
pub async fn open(state: &AppState, staff: i64, stage: &str, to: &str) -> anyhow::Result<Response> {
    let id = random_hex(32)?;
    let csrf = random_hex(32)?;
    sessions::open(
        &state.db,
        &token_hash(&id),
        staff,
        stage,
        &csrf,
        state.now_ms(),
    )
    .await?;
    let mut response = Redirect::to(to).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(state, COOKIE, &id, ABSOLUTE_MS / 1000),
    );
    Ok(response)
}

/// A live session, at any stage.
pub struct Session {
    /// The hash of the cookie's id.
    pub id_hash: Vec<u8>,
    /// The row and its staff member.
    pub row: SessionRow,
    /// The page language.
    pub lang: Lang,
    /// The client's address.
    pub ip: String,
}

impl Session {
    /// The staff member's account.
    pub fn account(&self) -> AccountId {
        AccountId(self.row.staff.account_id)
    }

    /// The staff member's role (a stored spelling we do not know reads as a viewer).
    pub fn role(&self) -> Role {
        Role::parse(&self.row.staff.role).unwrap_or(Role::Viewer)
    }

    /// Whether the role allows `action`.
    pub fn can(&self, action: Action) -> bool {
        self.role().allows(action)
    }

    /// `Ok` if the role allows `action`, else the page that says it does not.
    pub fn require(&self, action: Action) -> Result<(), Response> {
        if self.can(action) {
            Ok(())
        } else {
            Err(page::problem(
                self.lang,
                StatusCode::FORBIDDEN,
                Words::Forbidden,
            ))
        }
    }

    /// The page language's words.
    pub fn words(&self) -> super::texts::Texts {
        super::texts::Texts(self.lang)
    }
}

/// The language of a request with no session: the browser's, Russian unless it prefers English.
pub fn browser_lang(headers: &HeaderMap) -> Lang {
    match Lang::from_headers(headers) {
        Lang::En => Lang::En,
        _ => Lang::Ru,
    }
}

fn stored_lang(stored: Option<&str>, headers: &HeaderMap) -> Lang {
    match stored {
        Some("en") => Lang::En,
        Some("ru") => Lang::Ru,
        _ => browser_lang(headers),
    }
}

/// Deletes the sessions that have ended, idle for [`IDLE_MS`] or older than [`ABSOLUTE_MS`]
/// (the housekeeping loop's); answers how many.
pub async fn purge_ended(state: &AppState) -> anyhow::Result<u64> {
    let now = state.now_ms();
    Ok(sessions::purge(&state.db, now - IDLE_MS, now - ABSOLUTE_MS).await?)
}

/// Reads the session a request's cookie names, if it is alive, and refreshes its idle clock.
pub async fn current(state: &AppState, parts: &Parts) -> Result<Option<Session>, Response> {
    let Some(id) = cookie(&parts.headers, COOKIE) else {
        return Ok(None);
    };
    let id_hash = token_hash(id);
    let now = state.now_ms();
    let row = sessions::alive(&state.db, &id_hash, now - IDLE_MS, now - ABSOLUTE_MS)
        .await
        .map_err(|e| page::internal(browser_lang(&parts.headers), &e))?;
    let Some(row) = row else {
        return Ok(None);
    };
    if now - row.seen_at >= TOUCH_EVERY_MS {
        sessions::touch(&state.db, &id_hash, now)
            .await
            .map_err(|e| page::internal(browser_lang(&parts.headers), &e))?;
    }
    let lang = stored_lang(row.staff.lang.as_deref(), &parts.headers);
    Ok(Some(Session {
        id_hash,
        row,
        lang,
        ip: crate::client::client_ip(parts).to_string(),
    }))
}

/// A fully signed-in staff member (password and, where set, the second factor). Without one a
/// page redirects to the sign-in form.
pub struct Signed(pub Session);

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Signed, Response> {
        match current(state, parts).await? {
            Some(session) if session.row.stage == "full" => Ok(Signed(session)),
            Some(session) if session.row.stage == "enrol" => {
                Err(Redirect::to("/cabinet/two-factor").into_response())
            }
            _ => Err(Redirect::to("/cabinet/sign-in").into_response()),
        }
    }
}

/// The origin pages are served from, as browsers spell it in `Origin` (`scheme://host[:port]`).
pub fn own_origin(state: &AppState) -> String {
    let url = state.config.cabinet_url();
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url.as_str()));
    let authority = rest.split('/').next().unwrap_or("");
    format!("{scheme}://{authority}")
}

/// Whether a state-changing request comes from our own pages: its `Origin` (or, lacking one,
/// its `Referer`) must be ours.
pub fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let own = own_origin(state);
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        return origin == own;
    }
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|r| r == own || r.starts_with(&format!("{own}/")))
}

/// Reads a posted form of at most 64 KiB, after the Origin check.
pub async fn read_form<T: DeserializeOwned>(
    state: &AppState,
    request: Request,
    lang: Lang,
) -> Result<(T, Option<String>), Response> {
    if !same_origin(state, request.headers()) {
        return Err(page::problem(
            lang,
            StatusCode::FORBIDDEN,
            Words::ForeignOrigin,
        ));
    }
    let body = axum::body::to_bytes(request.into_body(), FORM_LIMIT)
        .await
        .map_err(|_| page::problem(lang, StatusCode::BAD_REQUEST, Words::BadForm))?;
    #[derive(serde::Deserialize)]
    struct Csrf {
        csrf: Option<String>,
    }
    let csrf = serde_urlencoded::from_bytes::<Csrf>(&body)
        .map_err(|_| page::problem(lang, StatusCode::BAD_REQUEST, Words::BadForm))?
        .csrf;
    let form = serde_urlencoded::from_bytes::<T>(&body)
        .map_err(|_| page::problem(lang, StatusCode::BAD_REQUEST, Words::BadForm))?;
    Ok((form, csrf))
}

/// A form posted by a fully signed-in staff member: from our own origin, with the session's
/// CSRF token.
pub struct Posted<T>(pub Session, pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for Posted<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Posted<T>, Response> {
        let (mut parts, body) = request.into_parts();
        let Signed(session) = Signed::from_request_parts(&mut parts, state).await?;
        let request = Request::from_parts(parts, body);
        let (form, csrf) = read_form::<T>(state, request, session.lang).await?;
        let presented = csrf.unwrap_or_default();
        if !super::totp::same(presented.as_bytes(), session.row.csrf.as_bytes()) {
            return Err(page::problem(
                session.lang,
                StatusCode::FORBIDDEN,
                Words::StaleForm,
            ));
        }
        Ok(Posted(session, form))
    }
}
