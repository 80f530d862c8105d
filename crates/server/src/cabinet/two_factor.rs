//! Turning on two-factor sign-in: a fresh TOTP secret shown as a key for an authenticator app,
//! confirmed with one code, then ten recovery codes shown once. Until the user confirms, the
//! secret travels sealed in the form (bound to the user), so nothing is stored half-done.

use askama::Template;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use oblako_store::{sessions, staff};

use super::page::{self, Words, render};
use super::session::{self, Session, read_form, token_hash};
use super::texts::Texts;
use super::{audit, totp};
use crate::secrets::{Purpose, hex, random_hex};
use crate::state::AppState;

/// How many recovery codes a user gets.
const RECOVERY_CODES: usize = 10;

#[derive(Template)]
#[template(path = "cabinet/two_factor.html")]
struct TwoFactorPage {
    t: Texts,
    lang: &'static str,
    csrf: String,
    required: bool,
    secret: String,
    uri: String,
    sealed: String,
    error: Option<&'static str>,
    recovery: Option<Vec<String>>,
}

async fn enrolling(state: &AppState, request: Request) -> Result<(Session, Request), Response> {
    let (parts, body) = request.into_parts();
    match session::current(state, &parts).await? {
        Some(s) if s.row.stage == "full" || s.row.stage == "enrol" => {
            Ok((s, Request::from_parts(parts, body)))
        }
        _ => Err(Redirect::to("/cabinet/sign-in").into_response()),
    }
}

fn enrol_page(
    state: &AppState,
    s: &Session,
    error: Option<&'static str>,
) -> anyhow::Result<Response> {
    let mut secret = [0u8; totp::SECRET_LEN];
    aws_lc_rs::rand::fill(&mut secret).map_err(|_| anyhow::anyhow!("no randomness"))?;
    let mut plain = s.row.staff.id.to_be_bytes().to_vec();
    plain.extend_from_slice(&secret);
    let sealed = state.secrets.seal(Purpose::TotpSecret, &plain)?;
    let key = totp::base32(&secret);
    let label = s.row.staff.email.replace(['&', '?', '#', ':'], "");
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(
        status,
        &TwoFactorPage {
            t: s.words(),
            lang: page::lang_code(s.lang),
            csrf: s.row.csrf.clone(),
            required: s.row.stage == "enrol",
            uri: format!("otpauth://totp/Oblako:{label}?secret={key}&issuer=Oblako"),
            secret: key,
            sealed: hex(&sealed),
            error: error.map(|e| s.words().t(e)),
            recovery: None,
        },
    ))
}

/// `GET /cabinet/two-factor`.
pub async fn two_factor_page(State(state): State<AppState>, request: Request) -> Response {
    match enrolling(&state, request).await {
        Ok((s, _)) => enrol_page(&state, &s, None).unwrap_or_else(|e| page::internal(s.lang, &e)),
        Err(r) => r,
    }
}

#[derive(serde::Deserialize)]
pub struct EnrolForm {
    sealed: String,
    code: String,
}

/// `POST /cabinet/two-factor`.
pub async fn two_factor(State(state): State<AppState>, request: Request) -> Response {
    let (s, request) = match enrolling(&state, request).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let (form, csrf) = match read_form::<EnrolForm>(&state, request, s.lang).await {
        Ok(read) => read,
        Err(r) => return r,
    };
    if !totp::same(csrf.unwrap_or_default().as_bytes(), s.row.csrf.as_bytes()) {
        return page::problem(s.lang, StatusCode::FORBIDDEN, Words::StaleForm);
    }
    enrol(&state, &s, &form)
        .await
        .unwrap_or_else(|e| page::internal(s.lang, &e))
}

async fn enrol(state: &AppState, s: &Session, form: &EnrolForm) -> anyhow::Result<Response> {
    let user = &s.row.staff;
    let plain = unhex(&form.sealed)
        .and_then(|blob| state.secrets.open(Purpose::TotpSecret, &blob).ok())
        .filter(|p| p.len() == 8 + totp::SECRET_LEN && p[..8] == user.id.to_be_bytes());
    let Some(plain) = plain else {
        return Ok(page::problem(
            s.lang,
            StatusCode::BAD_REQUEST,
            Words::BadForm,
        ));
    };
    let secret = &plain[8..];
    let Some(step) = totp::matching_step(secret, &form.code, state.now_ms()) else {
        return enrol_page(
            state,
            s,
            Some("That code is not right. Check the key and try the next code."),
        );
    };
    staff::set_totp(
        &state.db,
        user.id,
        &state.secrets.seal(Purpose::TotpSecret, secret)?,
        step,
    )
    .await?;
    let mut codes = Vec::new();
    let mut hashes = Vec::new();
    for _ in 0..RECOVERY_CODES {
        let code = random_hex(5)?;
        hashes.push(token_hash(&code));
        codes.push(format!("{}-{}", &code[..5], &code[5..]));
    }
    staff::set_recovery_codes(&state.db, user.id, &hashes).await?;
    audit::note(state, s, "two_factor_on", None, "").await?;
    let mut response = render(
        StatusCode::OK,
        &TwoFactorPage {
            t: s.words(),
            lang: page::lang_code(s.lang),
            csrf: s.row.csrf.clone(),
            required: false,
            secret: String::new(),
            uri: String::new(),
            sealed: String::new(),
            error: None,
            recovery: Some(codes),
        },
    );
    if s.row.stage == "enrol" {
        // Enrolment completes the sign-in: a new session id at the new stage.
        sessions::end(&state.db, &s.id_hash).await?;
        let opened = session::open(state, user.id, "full", "/cabinet/").await?;
        if let Some(cookie) = opened.headers().get(header::SET_COOKIE) {
            response
                .headers_mut()
                .append(header::SET_COOKIE, cookie.clone());
        }
    }
    Ok(response)
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || text.len() > 512 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}
