//! The users page (owners only): who is in the account with which role, invitations by e-mail
//! (a one-time set-up link through the mail outbox), role changes, disabling a user (which ends
//! their sessions), and the account-wide two-factor requirement.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use oblako_core::staff::{Action, Role};
use oblako_store::sessions;
use oblako_store::staff::{self, StaffRow};

use super::audit;
use super::page::{self, Frame, Words, render};
use super::session::{Posted, Signed};
use crate::mail::order_link::Email;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "cabinet/users.html")]
struct UsersPage {
    f: Frame,
    users: Vec<StaffRow>,
    roles: [&'static str; 6],
    require_two_factor: bool,
    invited: Option<String>,
}

/// `GET /cabinet/users`.
pub async fn users_page(State(state): State<AppState>, Signed(s): Signed) -> Response {
    if let Err(r) = s.require(Action::ManageUsers) {
        return r;
    }
    users_with(&state, &s, None)
        .await
        .unwrap_or_else(|e| page::internal(s.lang, &e))
}

async fn users_with(
    state: &AppState,
    s: &super::session::Session,
    invited: Option<String>,
) -> anyhow::Result<Response> {
    Ok(render(
        StatusCode::OK,
        &UsersPage {
            f: Frame::new(s, "users"),
            users: staff::list(&state.db, s.account()).await?,
            roles: Role::ALL.map(Role::as_str),
            require_two_factor: staff::requires_two_factor(&state.db, s.account()).await?,
            invited,
        },
    ))
}

#[derive(serde::Deserialize)]
pub struct InviteForm {
    email: String,
    role: String,
}

fn plausible_email(email: &str) -> bool {
    let (user, domain) = email.split_once('@').unwrap_or(("", ""));
    email.len() <= 254
        && !user.is_empty()
        && domain.contains('.')
        && !email.contains(char::is_whitespace)
}

/// `POST /cabinet/users`: invites a user; the set-up link goes by e-mail.
pub async fn users_invite(
    State(state): State<AppState>,
    Posted(s, form): Posted<InviteForm>,
) -> Response {
    if let Err(r) = s.require(Action::ManageUsers) {
        return r;
    }
    let email = form.email.trim().to_lowercase();
    let (Some(role), true) = (Role::parse(&form.role), plausible_email(&email)) else {
        return page::problem(s.lang, StatusCode::UNPROCESSABLE_ENTITY, Words::BadForm);
    };
    let invited = async {
        let now = state.now_ms();
        let Some(id) = staff::create(&state.db, s.account(), &email, role.as_str(), now).await?
        else {
            return users_with(
                &state,
                &s,
                Some(s.words().t("This e-mail already has a user.").to_owned()),
            )
            .await;
        };
        let link =
            super::setup::issue_link(&state.db, &state.config.cabinet_url(), id, now).await?;
        let text = format!(
            "{} invites you to the Oblako cabinet as {}.\n\nSet your password here (the link works once, for 24 hours):\n{link}\n",
            s.row.staff.email,
            role.as_str()
        );
        let html = format!(
            "<p>{}</p><p><a href=\"{link}\">{link}</a></p>",
            text.lines().next().unwrap_or("")
        );
        let message = Email {
            subject: "Oblako: your invitation".into(),
            html,
            text,
        };
        let mut tx = state.db.begin_write().await?;
        crate::mail::queue_email(&mut tx, None, &email, &message, &format!("staff:{id}"), now)
            .await?;
        tx.commit().await?;
        state.mail.ring();
        audit::note(
            &state,
            &s,
            "user_invite",
            None,
            &format!("{email} as {}", role.as_str()),
        )
        .await?;
        users_with(&state, &s, Some(email)).await
    };
    invited.await.unwrap_or_else(|e| page::internal(s.lang, &e))
}

#[derive(serde::Deserialize)]
pub struct ChangeForm {
    role: String,
    #[serde(default)]
    disabled: Option<String>,
}

/// `POST /cabinet/users/{id}`: a new role, or disabled (their sessions end at once).
pub async fn users_change(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(s, form): Posted<ChangeForm>,
) -> Response {
    if let Err(r) = s.require(Action::ManageUsers) {
        return r;
    }
    let Some(role) = Role::parse(&form.role) else {
        return page::problem(s.lang, StatusCode::UNPROCESSABLE_ENTITY, Words::BadForm);
    };
    if id == s.row.staff.id {
        // An owner cannot demote or disable themselves and leave the account without one.
        return page::problem(s.lang, StatusCode::UNPROCESSABLE_ENTITY, Words::Forbidden);
    }
    let disabled = form.disabled.is_some();
    let changed = async {
        if !staff::set_role(&state.db, s.account(), id, role.as_str(), disabled).await? {
            return Ok(page::not_found(s.lang));
        }
        if disabled {
            sessions::end_all(&state.db, id).await?;
        }
        let detail = format!(
            "user {id}: {}{}",
            role.as_str(),
            if disabled { ", disabled" } else { "" }
        );
        audit::note(&state, &s, "user_change", None, &detail).await?;
        anyhow::Ok(Redirect::to("/cabinet/users").into_response())
    };
    changed.await.unwrap_or_else(|e| page::internal(s.lang, &e))
}

#[derive(serde::Deserialize)]
pub struct RequireForm {
    #[serde(default)]
    required: Option<String>,
}

/// `POST /cabinet/account/two-factor`: whether everyone must sign in with a second factor.
pub async fn account_two_factor(
    State(state): State<AppState>,
    Posted(s, form): Posted<RequireForm>,
) -> Response {
    if let Err(r) = s.require(Action::ManageUsers) {
        return r;
    }
    let on = form.required.is_some();
    let set = async {
        staff::require_two_factor(&state.db, s.account(), on).await?;
        audit::note(
            &state,
            &s,
            "require_two_factor",
            None,
            if on { "on" } else { "off" },
        )
        .await?;
        anyhow::Ok(Redirect::to("/cabinet/users").into_response())
    };
    set.await.unwrap_or_else(|e| page::internal(s.lang, &e))
}
