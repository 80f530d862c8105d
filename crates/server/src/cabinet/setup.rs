//! The one-time set-up link (for the first owner, printed by `oblako user create` and on first
//! start, and for invited staff, sent by e-mail): it sets the password and signs the user in.

use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use oblako_core::staff::{PasswordProblem, check_password};
use oblako_store::{sessions, staff};

use super::page::{self, Words, render};
use super::session::{browser_lang, read_form, token_hash};
use super::texts::Texts;
use super::{audit, password, sign_in};
use crate::secrets::random_hex;
use crate::state::AppState;

/// How long a set-up link works.
pub const LINK_MS: i64 = 24 * 60 * 60 * 1000;

/// Makes a set-up link for staff member `id` and answers its URL.
pub async fn issue_link(
    state_db: &oblako_store::Db,
    base_url: &str,
    id: i64,
    now_ms: i64,
) -> anyhow::Result<String> {
    let token = random_hex(32)?;
    staff::add_link(state_db, id, &token_hash(&token), now_ms + LINK_MS).await?;
    Ok(format!("{base_url}/cabinet/setup/{token}"))
}

#[derive(Template)]
#[template(path = "cabinet/setup.html")]
struct SetupPage {
    t: Texts,
    lang: &'static str,
    email: String,
    error: Option<&'static str>,
}

async fn linked(state: &AppState, token: &str) -> anyhow::Result<Option<staff::StaffRow>> {
    if token.len() != 64 {
        return Ok(None);
    }
    Ok(staff::link_staff(&state.db, &token_hash(token), state.now_ms()).await?)
}

/// `GET /cabinet/setup/{token}`.
pub async fn setup_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let lang = browser_lang(&headers);
    match linked(&state, &token).await {
        Ok(Some(user)) => render(
            StatusCode::OK,
            &SetupPage {
                t: Texts(lang),
                lang: page::lang_code(lang),
                email: user.email,
                error: None,
            },
        ),
        Ok(None) => page::problem(lang, StatusCode::NOT_FOUND, Words::BadLink),
        Err(e) => page::internal(lang, &e),
    }
}

#[derive(serde::Deserialize)]
pub struct SetupForm {
    password: String,
    repeat: String,
}

/// `POST /cabinet/setup/{token}`: the link's secret stands for the CSRF token here.
pub async fn setup(
    State(state): State<AppState>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let lang = browser_lang(&parts.headers);
    let ip = crate::client::client_ip(&parts).to_string();
    let request = Request::from_parts(parts, body);
    let form = match read_form::<SetupForm>(&state, request, lang).await {
        Ok((form, _)) => form,
        Err(refused) => return refused,
    };
    let user = match linked(&state, &token).await {
        Ok(Some(user)) => user,
        Ok(None) => return page::problem(lang, StatusCode::NOT_FOUND, Words::BadLink),
        Err(e) => return page::internal(lang, &e),
    };
    let refusal = if form.password != form.repeat {
        Some("The two passwords differ.")
    } else {
        match check_password(&form.password, &user.email) {
            Ok(()) => None,
            Err(PasswordProblem::TooShort) => {
                Some("The password must be at least 12 characters long.")
            }
            Err(PasswordProblem::TooLong) => {
                Some("The password must be at most 128 characters long.")
            }
            Err(PasswordProblem::Common) => Some("This password is too common. Choose another."),
            Err(PasswordProblem::LikeEmail) => {
                Some("The password must not contain your e-mail address.")
            }
        }
    };
    if let Some(error) = refusal {
        let t = Texts(lang);
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SetupPage {
                t,
                lang: page::lang_code(lang),
                email: user.email,
                error: Some(t.t(error)),
            },
        );
    }
    let done = async {
        let hash = password::hash_blocking(form.password).await?;
        if !staff::use_link(&state.db, &token_hash(&token), state.now_ms()).await? {
            return Ok(None);
        }
        staff::set_password(&state.db, user.id, &hash).await?;
        sessions::end_all(&state.db, user.id).await?;
        audit::note_staff(&state, &user, "set_password", "set-up link", &ip).await?;
        anyhow::Ok(Some(()))
    };
    match done.await {
        Ok(Some(())) => sign_in::after_password(&state, &user, &ip, "/cabinet/two-factor").await,
        Ok(None) => page::problem(lang, StatusCode::NOT_FOUND, Words::BadLink),
        Err(e) => page::internal(lang, &e),
    }
}
