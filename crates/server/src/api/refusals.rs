//! Recording the API requests that were refused, for the cabinet's system log: time, site, key
//! kind, method, path (without its query), status and our own message. Never the body, the
//! query or the secret; digit runs as long as a card number are masked in the message as well.
//! Only requests whose Public ID names a site are recorded (the log is read per account).

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use oblako_store::audit::{self, Refusal};

use super::reply::RefusalNote;
use crate::state::AppState;

/// Middleware on the API routes.
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_owned();
    let path: String = request.uri().path().chars().take(200).collect();
    let public_id = public_id(&request);
    let response = next.run(request).await;
    let (Some(note), Some(public_id)) = (response.extensions().get::<RefusalNote>(), public_id)
    else {
        return response;
    };
    let status = i64::from(response.status().as_u16());
    let message = mask_digits(&note.0);
    match oblako_store::sites::key_by_public_id(&state.db, &public_id).await {
        Ok(Some((key, site))) => {
            let refusal = Refusal {
                site_id: Some(site.id.0),
                key_kind: key.mode.as_str(),
                method: &method,
                path: &path,
                status,
                message: &message,
            };
            if let Err(e) = audit::record_refusal(&state.db, &refusal, state.now_ms()).await {
                tracing::warn!(error = %e, "could not record a refused request");
            }
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "could not record a refused request"),
    }
    response
}

/// The Basic user name (the Public ID), if the request carries one.
fn public_id(request: &Request) -> Option<String> {
    let value = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") || encoded.len() > 1024 {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let user = text.split_once(':')?.0;
    (!user.is_empty() && user.len() <= 100).then(|| user.to_owned())
}

/// `text` with every run of 12 or more digits (spaces and dashes inside allowed) masked.
pub fn mask_digits(text: &str) -> String {
    let chars: Vec<char> = text.chars().take(500).collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let mut j = i;
        let mut digits = 0;
        while j < chars.len()
            && (chars[j].is_ascii_digit() || (digits > 0 && matches!(chars[j], ' ' | '-')))
        {
            digits += usize::from(chars[j].is_ascii_digit());
            j += 1;
        }
        if digits >= 12 {
            out.push_str("[digits masked]");
            i = j;
        } else if j > i {
            out.extend(&chars[i..j]);
            i = j;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_are_masked_and_short_numbers_kept() {
        assert_eq!(mask_digits("Amount 100 too big"), "Amount 100 too big");
        assert_eq!(
            mask_digits("card 4242 4242 4242 4242 x"),
            "card [digits masked]x"
        );
        assert_eq!(mask_digits("4111111111111111"), "[digits masked]");
    }
}
