//! The sites pages: the account's sites, creating and renaming one, its Public IDs, rotating an
//! API Secret (the new one shown once), and the switch to production (owner only, confirmed by
//! typing the site's name). The site's options are shown here and changed in `site_options`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use oblako_core::ids::{Mode, SiteId};
use oblako_core::staff::Action;
use oblako_store::sites::{self as site_rows, Site};

use super::audit;
use super::page::{self, Frame, render};
use super::session::{Posted, Session, Signed};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "cabinet/sites.html")]
struct SitesPage {
    f: Frame,
    sites: Vec<Site>,
    can_edit: bool,
}

#[derive(Template)]
#[template(path = "cabinet/site.html")]
struct SitePage {
    f: Frame,
    site: Site,
    keys: Vec<(String, String)>,
    can_edit: bool,
    can_rotate: bool,
    can_go_live: bool,
    issued: Option<(String, String)>,
    widget_origins: String,
}

/// The site `id` if it belongs to the session's account (another account's reads as missing).
pub async fn own_site(state: &AppState, s: &Session, id: i64) -> anyhow::Result<Option<Site>> {
    Ok(site_rows::site(&state.db, SiteId(id))
        .await?
        .filter(|site| site.account_id == s.account()))
}

/// The account's sites.
pub async fn account_sites(state: &AppState, s: &Session) -> anyhow::Result<Vec<Site>> {
    Ok(site_rows::sites_of(&state.db, s.account()).await?)
}

/// `GET /cabinet/sites`.
pub async fn sites_page(State(state): State<AppState>, Signed(s): Signed) -> Response {
    match account_sites(&state, &s).await {
        Ok(sites) => render(
            StatusCode::OK,
            &SitesPage {
                can_edit: s.can(Action::EditSites),
                f: Frame::new(&s, "sites"),
                sites,
            },
        ),
        Err(e) => page::internal(s.lang, &e),
    }
}

#[derive(serde::Deserialize)]
pub struct NameForm {
    name: String,
}

/// A site name of 1–200 characters, trimmed.
fn site_name(form: &NameForm) -> Option<String> {
    let name = form.name.trim();
    (!name.is_empty() && name.chars().count() <= 200).then(|| name.to_owned())
}

/// `POST /cabinet/sites`: a new site in test mode.
pub async fn sites_create(
    State(state): State<AppState>,
    Posted(s, form): Posted<NameForm>,
) -> Response {
    if let Err(r) = s.require(Action::EditSites) {
        return r;
    }
    let Some(name) = site_name(&form) else {
        return page::problem(
            s.lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            page::Words::BadForm,
        );
    };
    let created = async {
        let site = crate::sites::create_site(
            &state.db,
            &state.secrets,
            s.account(),
            &name,
            state.now_ms(),
        )
        .await?;
        audit::note(&state, &s, "site_create", Some(site.site_id), &name).await?;
        anyhow::Ok(site.site_id)
    };
    match created.await {
        Ok(id) => Redirect::to(&format!("/cabinet/sites/{id}")).into_response(),
        Err(e) => page::internal(s.lang, &e),
    }
}

async fn site_page_with(
    state: &AppState,
    s: &Session,
    id: i64,
    issued: Option<(String, String)>,
) -> anyhow::Result<Response> {
    let Some(site) = own_site(state, s, id).await? else {
        return Ok(page::not_found(s.lang));
    };
    let keys = site_rows::keys_of(&state.db, site.id)
        .await?
        .into_iter()
        .map(|k| (k.mode.as_str().to_owned(), k.public_id))
        .collect();
    Ok(render(
        StatusCode::OK,
        &SitePage {
            f: Frame::new(s, "sites"),
            site,
            keys,
            can_edit: s.can(Action::EditSites),
            can_rotate: s.can(Action::RotateKeys),
            can_go_live: s.can(Action::GoLive),
            issued,
            widget_origins: state.config.widget_frame_ancestors.clone(),
        },
    ))
}

/// `GET /cabinet/sites/{id}`.
pub async fn site_page(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Signed(s): Signed,
) -> Response {
    site_page_with(&state, &s, id, None)
        .await
        .unwrap_or_else(|e| page::internal(s.lang, &e))
}

/// `POST /cabinet/sites/{id}/rename`.
pub async fn site_rename(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(s, form): Posted<NameForm>,
) -> Response {
    if let Err(r) = s.require(Action::EditSites) {
        return r;
    }
    let Some(name) = site_name(&form) else {
        return page::problem(
            s.lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            page::Words::BadForm,
        );
    };
    let renamed = async {
        let Some(site) = own_site(&state, &s, id).await? else {
            return Ok(page::not_found(s.lang));
        };
        site_rows::rename(&state.db, site.id, &name).await?;
        audit::note(&state, &s, "site_rename", Some(id), &name).await?;
        anyhow::Ok(Redirect::to(&format!("/cabinet/sites/{id}")).into_response())
    };
    renamed.await.unwrap_or_else(|e| page::internal(s.lang, &e))
}

#[derive(serde::Deserialize)]
pub struct RotateForm {
    mode: String,
}

/// `POST /cabinet/sites/{id}/rotate`: a new API Secret, shown on the page this once.
pub async fn site_rotate(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(s, form): Posted<RotateForm>,
) -> Response {
    if let Err(r) = s.require(Action::RotateKeys) {
        return r;
    }
    let Some(mode) = Mode::parse(&form.mode) else {
        return page::problem(s.lang, StatusCode::BAD_REQUEST, page::Words::BadForm);
    };
    let rotated = async {
        let Some(site) = own_site(&state, &s, id).await? else {
            return Ok(page::not_found(s.lang));
        };
        let key =
            crate::sites::rotate_secret(&state.db, &state.secrets, site.id, mode, state.now_ms())
                .await?;
        audit::note(&state, &s, "rotate_secret", Some(id), mode.as_str()).await?;
        site_page_with(&state, &s, id, Some((key.public_id, key.api_secret))).await
    };
    rotated.await.unwrap_or_else(|e| page::internal(s.lang, &e))
}

/// `POST /cabinet/sites/{id}/go-live`: the confirmation is the site's name typed again.
pub async fn site_go_live(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(s, form): Posted<NameForm>,
) -> Response {
    if let Err(r) = s.require(Action::GoLive) {
        return r;
    }
    let switched = async {
        let Some(site) = own_site(&state, &s, id).await? else {
            return Ok(page::not_found(s.lang));
        };
        if form.name.trim() != site.name {
            return Ok(page::problem(
                s.lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                page::Words::BadForm,
            ));
        }
        if site_rows::go_live(&state.db, site.id, state.now_ms()).await? {
            audit::note(&state, &s, "go_live", Some(id), &site.name).await?;
        }
        anyhow::Ok(Redirect::to(&format!("/cabinet/sites/{id}")).into_response())
    };
    switched
        .await
        .unwrap_or_else(|e| page::internal(s.lang, &e))
}
