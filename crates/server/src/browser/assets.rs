//! Caching of the browser files. Each file has a version: the first 16 hex digits of the SHA-256
//! of what is served (for `checkout.js`, of the script and the key written into it). It is the
//! file's `ETag`, so a browser revalidates with `If-None-Match` and gets `304 Not Modified`.
//! Our own pages link the files under versioned URLs (`/widget/form.js?v=…`, [`Assets`]), which
//! are cached for a year as immutable: a new build or a new key changes the URL, not the file
//! behind it. A URL whose `v` is not the current version (an old page after an upgrade) gets the
//! current file with revalidation only. The fixed URLs merchants embed (`/widget.js`,
//! `/bundles/cloudpayments.js`, `/checkout.js`) are always revalidated.

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// `Cache-Control` of a versioned URL.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of a fixed URL: keep it, but ask each time (a 304 costs no body).
pub const REVALIDATE: &str = "no-cache";

/// A file compiled into the binary, with its version computed once.
pub struct Asset {
    pub body: &'static [u8],
    pub content_type: &'static str,
    /// The path our pages link it under.
    pub path: &'static str,
    version: OnceLock<String>,
}

impl Asset {
    pub const fn new(path: &'static str, content_type: &'static str, body: &'static [u8]) -> Asset {
        Asset {
            body,
            content_type,
            path,
            version: OnceLock::new(),
        }
    }

    /// The file's version (its content hash).
    pub fn version(&self) -> &str {
        self.version.get_or_init(|| version_of(&[self.body]))
    }

    /// The versioned URL our pages use.
    pub fn url(&self) -> String {
        format!("{}?v={}", self.path, self.version())
    }

    /// The answer to a `GET` of this file.
    pub fn serve(&self, headers: &HeaderMap, query: Option<&str>) -> Response {
        respond(
            headers,
            query,
            self.version(),
            self.content_type,
            self.body.into(),
        )
    }
}

/// The version of content made of `parts`.
pub fn version_of(parts: &[&[u8]]) -> String {
    let mut context = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    for part in parts {
        context.update(&(part.len() as u64).to_be_bytes());
        context.update(part);
    }
    context
        .finish()
        .as_ref()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `v` of a query string.
fn asked_version(query: Option<&str>) -> Option<&str> {
    query?.split('&').find_map(|pair| pair.strip_prefix("v="))
}

/// Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 §13.1.2 asks).
fn not_modified(headers: &HeaderMap, version: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim())
        .any(|tag| tag == "*" || tag.trim_start_matches("W/").trim_matches('"') == version)
}

/// A file's answer: 304 when the browser has this version, else the body; immutable caching only
/// when the URL asked for exactly this version.
pub fn respond(
    headers: &HeaderMap,
    query: Option<&str>,
    version: &str,
    content_type: &'static str,
    body: Body,
) -> Response {
    let cache = if asked_version(query) == Some(version) {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let mut response = if not_modified(headers, version) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = (StatusCode::OK, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        response
    };
    let out = response.headers_mut();
    // Weak, because the compression layer serves the same version gzip'd, brotli'd or plain.
    if let Ok(etag) = HeaderValue::from_str(&format!("W/\"{version}\"")) {
        out.insert(header::ETAG, etag);
    }
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    out.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    out.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// The versioned URLs a page links, for its template.
#[derive(Debug, Clone)]
pub struct Assets {
    pub checkout_js: String,
    pub form_js: String,
    pub form_css: String,
    pub pages_css: String,
    pub widget_js: String,
    pub demo_js: String,
    pub favicon: String,
}

impl Assets {
    /// The URLs now: `checkout.js`'s version follows the newest cryptogram key.
    pub async fn current(state: &AppState) -> Assets {
        let mut assets = Assets::fixed();
        // Without a key the page still works: the script's fixed URL is revalidated each load.
        if let Ok((version, _)) = crate::browser::scripts::checkout_version(state).await {
            assets.checkout_js = format!("/checkout.js?v={version}");
        }
        assets
    }

    /// The URLs of the files that never change while the gateway runs (`checkout.js` at its
    /// fixed URL), for pages that do not load it.
    pub fn fixed() -> Assets {
        use crate::browser::scripts;
        Assets {
            checkout_js: "/checkout.js".to_owned(),
            form_js: scripts::FORM_JS.url(),
            form_css: scripts::FORM_CSS.url(),
            pages_css: scripts::PAGES_CSS.url(),
            widget_js: scripts::WIDGET_JS.url(),
            demo_js: scripts::DEMO_JS.url(),
            favicon: scripts::FAVICON.url(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn if_none_match(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn if_none_match_compares_weakly_and_in_lists() {
        assert!(not_modified(&if_none_match("W/\"abc\""), "abc"));
        assert!(not_modified(&if_none_match("\"x\", \"abc\""), "abc"));
        assert!(not_modified(&if_none_match("*"), "abc"));
        assert!(!not_modified(&if_none_match("\"abcd\""), "abc"));
        assert!(!not_modified(&HeaderMap::new(), "abc"));
    }

    #[test]
    fn versions_are_content_hashes() {
        assert_eq!(version_of(&[b"a"]).len(), 16);
        assert_ne!(version_of(&[b"ab", b"c"]), version_of(&[b"a", b"bc"]));
        assert_eq!(asked_version(Some("x=1&v=42")), Some("42"));
        assert_eq!(asked_version(None), None);
    }
}
