//! Signing in: e-mail and password (Argon2id), then the second factor when the user has one.
//!
//! Ten wrong passwords in a row lock a user for 30 minutes; each address has a budget of
//! attempts per minute as well. Every step issues a new session id, so an id planted before
//! sign-in is worth nothing after it. The sign-in form itself, having no session yet, carries a
//! token that must match a cookie set with it (login CSRF), besides the Origin check.

use askama::Template;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use oblako_core::ids::AccountId;
use oblako_store::{sessions, staff};

use super::page::{self, Words, render};
use super::session::{self, Session, browser_lang, cookie, read_form, set_cookie, token_hash};
use super::texts::Texts;
use super::{audit, password, totp};
use crate::pages::Lang;
use crate::secrets::{Purpose, random_hex};
use crate::state::AppState;

/// Failures in a row that lock a user.
pub const LOCK_AFTER: i64 = 10;
/// How long a lock-out lasts.
pub const LOCK_MS: i64 = 30 * 60 * 1000;
/// The cookie that carries the sign-in form's token.
const PRE_COOKIE: &str = "oblako_pre";

#[derive(Template)]
#[template(path = "cabinet/sign_in.html")]
struct SignInPage {
    t: Texts,
    lang: &'static str,
    csrf: String,
    error: Option<&'static str>,
}

fn sign_in_form(lang: Lang, status: StatusCode, error: Option<&'static str>) -> Response {
    let Ok(token) = random_hex(32) else {
        return page::problem(lang, StatusCode::INTERNAL_SERVER_ERROR, Words::Internal);
    };
    let t = Texts(lang);
    let mut response = render(
        status,
        &SignInPage {
            t,
            lang: page::lang_code(lang),
            csrf: token.clone(),
            error: error.map(|e| t.t(e)),
        },
    );
    if let Ok(value) = axum::http::HeaderValue::from_str(&format!(
        "{PRE_COOKIE}={token}; Path=/cabinet; HttpOnly; SameSite=Lax; Max-Age=3600"
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `GET /cabinet/sign-in`.
pub async fn sign_in_page(headers: axum::http::HeaderMap) -> Response {
    sign_in_form(browser_lang(&headers), StatusCode::OK, None)
}

#[derive(serde::Deserialize)]
pub struct SignInForm {
    email: String,
    password: String,
}

/// `POST /cabinet/sign-in`.
pub async fn sign_in(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let lang = browser_lang(&parts.headers);
    let ip = crate::client::client_ip(&parts);
    let pre = cookie(&parts.headers, PRE_COOKIE).map(str::to_owned);
    let request = Request::from_parts(parts, body);
    let (form, csrf) = match read_form::<SignInForm>(&state, request, lang).await {
        Ok(read) => read,
        Err(refused) => return refused,
    };
    let token_ok = match (pre, csrf) {
        (Some(pre), Some(csrf)) => totp::same(pre.as_bytes(), csrf.as_bytes()),
        _ => false,
    };
    if !token_ok {
        return page::problem(lang, StatusCode::FORBIDDEN, Words::StaleForm);
    }
    let now = state.now_ms();
    if !state.cabinet_sign_in_rate.allow(ip, now) {
        return page::problem(lang, StatusCode::TOO_MANY_REQUESTS, Words::TooMany);
    }
    match check_password(&state, &form, &ip.to_string()).await {
        Ok(Some(user)) => after_password(&state, &user, &ip.to_string(), "/cabinet/").await,
        Ok(None) => sign_in_form(
            lang,
            StatusCode::UNAUTHORIZED,
            Some(
                "Wrong e-mail or password, or this user is locked for a while after many failed attempts.",
            ),
        ),
        Err(e) => page::internal(lang, &e),
    }
}

/// The user whose password this is, counting failures and locking as it goes.
async fn check_password(
    state: &AppState,
    form: &SignInForm,
    ip: &str,
) -> anyhow::Result<Option<staff::StaffRow>> {
    let email = form.email.trim().to_lowercase();
    let now = state.now_ms();
    let user = if email.len() <= 254 {
        staff::by_email(&state.db, &email).await?
    } else {
        None
    };
    let usable = user
        .as_ref()
        .filter(|u| !u.disabled && u.locked_until <= now);
    let stored = usable.and_then(|u| u.password_hash.clone());
    let usable = usable.is_some();
    let password = form.password.chars().take(128).collect::<String>();
    let good = password::verify_blocking(password, stored).await;
    let Some(user) = user else {
        return Ok(None);
    };
    if good && usable {
        staff::sign_in_succeeded(&state.db, user.id).await?;
        return Ok(Some(user));
    }
    if user.locked_until > now || user.disabled {
        audit::note_staff(state, &user, "sign_in_refused", "locked or disabled", ip).await?;
        return Ok(None);
    }
    let locked = staff::sign_in_failed(&state.db, user.id, LOCK_AFTER, now + LOCK_MS).await?;
    let detail = if locked {
        "wrong password; locked for 30 minutes"
    } else {
        "wrong password"
    };
    audit::note_staff(state, &user, "sign_in_failed", detail, ip).await?;
    Ok(None)
}

/// The next step once the password was right: the second factor, enrolment, or the cabinet.
pub async fn after_password(
    state: &AppState,
    user: &staff::StaffRow,
    ip: &str,
    landing: &str,
) -> Response {
    let lang = browser_lang(&axum::http::HeaderMap::new());
    let result = async {
        let required = staff::requires_two_factor(&state.db, AccountId(user.account_id)).await?;
        let (stage, to) = if user.totp_secret_enc.is_some() {
            ("second_factor", "/cabinet/sign-in/code")
        } else if required {
            ("enrol", "/cabinet/two-factor")
        } else {
            audit::note_staff(state, user, "sign_in", "password", ip).await?;
            ("full", landing)
        };
        session::open(state, user.id, stage, to).await
    }
    .await;
    result.unwrap_or_else(|e| page::internal(lang, &e))
}

#[derive(Template)]
#[template(path = "cabinet/code.html")]
struct CodePage {
    t: Texts,
    lang: &'static str,
    csrf: String,
    error: Option<&'static str>,
}

/// The session waiting for its second factor, and the request to read the form from.
async fn pending(state: &AppState, request: Request) -> Result<(Session, Request), Response> {
    let (parts, body) = request.into_parts();
    match session::current(state, &parts).await? {
        Some(s) if s.row.stage == "second_factor" => Ok((s, Request::from_parts(parts, body))),
        _ => Err(Redirect::to("/cabinet/sign-in").into_response()),
    }
}

/// `GET /cabinet/sign-in/code`.
pub async fn code_page(State(state): State<AppState>, request: Request) -> Response {
    match pending(&state, request).await {
        Ok((s, _)) => render(
            StatusCode::OK,
            &CodePage {
                t: s.words(),
                lang: page::lang_code(s.lang),
                csrf: s.row.csrf.clone(),
                error: None,
            },
        ),
        Err(r) => r,
    }
}

#[derive(serde::Deserialize)]
pub struct CodeForm {
    code: String,
}

/// `POST /cabinet/sign-in/code`: a TOTP code (once per step) or an unused recovery code.
pub async fn code(State(state): State<AppState>, request: Request) -> Response {
    let (s, request) = match pending(&state, request).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let (form, csrf) = match read_form::<CodeForm>(&state, request, s.lang).await {
        Ok(read) => read,
        Err(r) => return r,
    };
    if !totp::same(csrf.unwrap_or_default().as_bytes(), s.row.csrf.as_bytes()) {
        return page::problem(s.lang, StatusCode::FORBIDDEN, Words::StaleForm);
    }
    match second_factor(&state, &s, form.code.trim()).await {
        Ok(true) => {
            let upgraded = async {
                sessions::end(&state.db, &s.id_hash).await?;
                audit::note_staff(&state, &s.row.staff, "sign_in", "password and code", &s.ip)
                    .await?;
                session::open(&state, s.row.staff.id, "full", "/cabinet/").await
            };
            upgraded
                .await
                .unwrap_or_else(|e| page::internal(s.lang, &e))
        }
        Ok(false) => {
            render(
                StatusCode::UNAUTHORIZED,
                &CodePage {
                    t: s.words(),
                    lang: page::lang_code(s.lang),
                    csrf: s.row.csrf.clone(),
                    error: Some(s.words().t(
                        "That code is not right, or it was used already. Wait for the next one.",
                    )),
                },
            )
        }
        Err(e) => page::internal(s.lang, &e),
    }
}

async fn second_factor(state: &AppState, s: &Session, code: &str) -> anyhow::Result<bool> {
    let user = &s.row.staff;
    let now = state.now_ms();
    if code.len() > 6 {
        let hash = token_hash(&code.to_ascii_lowercase().replace([' ', '-'], ""));
        return Ok(staff::use_recovery_code(&state.db, user.id, &hash, now).await?);
    }
    let Some(sealed) = &user.totp_secret_enc else {
        return Ok(false);
    };
    let secret = state
        .secrets
        .open(Purpose::TotpSecret, sealed)
        .map_err(|_| anyhow::anyhow!("TOTP secret does not open"))?;
    let Some(step) = totp::matching_step(&secret, code, now) else {
        staff::sign_in_failed(&state.db, user.id, LOCK_AFTER, now + LOCK_MS).await?;
        audit::note_staff(state, user, "sign_in_failed", "wrong code", &s.ip).await?;
        return Ok(false);
    };
    Ok(staff::use_totp_step(&state.db, user.id, step).await?)
}

/// `POST /cabinet/sign-out` (and `sign-out-everywhere`).
pub async fn sign_out(
    State(state): State<AppState>,
    session::Posted(s, everywhere): session::Posted<Everywhere>,
) -> Response {
    let ended = async {
        if everywhere.everywhere.is_some() {
            sessions::end_all(&state.db, s.row.staff.id).await?;
            audit::note(&state, &s, "sign_out_everywhere", None, "").await?;
        } else {
            sessions::end(&state.db, &s.id_hash).await?;
        }
        anyhow::Ok(())
    };
    if let Err(e) = ended.await {
        return page::internal(s.lang, &e);
    }
    let mut response = Redirect::to("/cabinet/sign-in").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, session::COOKIE, "", 0),
    );
    response
}

#[derive(serde::Deserialize)]
pub struct Everywhere {
    everywhere: Option<String>,
}
