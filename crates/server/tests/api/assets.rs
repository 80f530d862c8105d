//! The browser files: compressed as the browser accepts (gzip, brotli), revalidated by `ETag`
//! (`If-None-Match` → 304), cached for a year under the versioned URLs our pages link, and the
//! favicon.

use axum::http::StatusCode;

use crate::helpers::{Reply, TestApp, request};
use crate::orders::create;

const FORM_PAGE: &str = "/widget/form?origin=http%3A%2F%2F127.0.0.1";

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = request("GET", path);
    for (name, value) in headers {
        req = req.header(name, value);
    }
    app.call(req.empty()).await
}

fn header<'a>(reply: &'a Reply, name: &str) -> &'a str {
    reply
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The URL in `html` that starts with `prefix` (up to the closing quote).
fn linked(html: &str, prefix: &str) -> String {
    let at = html
        .find(&format!("\"{prefix}"))
        .unwrap_or_else(|| panic!("{prefix} not linked from {html}"))
        + 1;
    html[at..at + html[at..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn browser_files_and_pages_are_compressed_as_the_browser_accepts() {
    let app = TestApp::new().await;
    for path in [
        "/widget.js",
        "/widget/form.js",
        "/widget/form.css",
        "/checkout.js",
        "/demo.js",
        FORM_PAGE,
    ] {
        let plain = get(&app, path, &[]).await;
        assert_eq!(plain.status, StatusCode::OK, "{path}");
        assert_eq!(header(&plain, "content-encoding"), "", "{path}");
        let gzip = get(&app, path, &[("accept-encoding", "gzip")]).await;
        assert_eq!(header(&gzip, "content-encoding"), "gzip", "{path}");
        assert_eq!(gzip.body[..2], [0x1f, 0x8b], "{path}: gzip magic");
        assert!(
            gzip.body.len() * 2 < plain.body.len(),
            "{path}: {} of {}",
            gzip.body.len(),
            plain.body.len()
        );
        let brotli = get(&app, path, &[("accept-encoding", "gzip, deflate, br")]).await;
        assert_eq!(header(&brotli, "content-encoding"), "br", "{path}");
        assert!(brotli.body.len() * 2 < plain.body.len(), "{path}");
        assert!(
            header(&brotli, "vary").contains("accept-encoding"),
            "{path}"
        );
    }
    // The API's answers stay as they are: client libraries read them byte for byte.
    let api = app
        .call(
            request("POST", "/test")
                .auth(&app.site.test.public_id, &app.site.test.api_secret)
                .header("accept-encoding", "gzip, br")
                .json("{}"),
        )
        .await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(header(&api, "content-encoding"), "");
}

#[tokio::test]
async fn files_revalidate_by_etag_and_checkout_changes_with_the_key() {
    let app = TestApp::new().await;
    for path in [
        "/widget.js",
        "/bundles/cloudpayments.js",
        "/bundles/cloudpayments",
        "/widget/form.js",
        "/widget/form.css",
        "/demo.js",
        "/checkout.js",
        "/static/pages.css",
    ] {
        let first = get(&app, path, &[]).await;
        assert_eq!(first.status, StatusCode::OK, "{path}");
        let etag = header(&first, "etag").to_owned();
        assert!(
            etag.starts_with("W/\"") && etag.len() > 10,
            "{path}: {etag}"
        );
        assert_eq!(header(&first, "cache-control"), "no-cache", "{path}");
        let again = get(&app, path, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.body.is_empty(), "{path}");
        assert_eq!(header(&again, "etag"), etag, "{path}");
        let gzip_again = get(
            &app,
            path,
            &[("if-none-match", &etag), ("accept-encoding", "gzip")],
        )
        .await;
        assert_eq!(gzip_again.status, StatusCode::NOT_MODIFIED, "{path}");
        let stale = get(&app, path, &[("if-none-match", "W/\"0123456789abcdef\"")]).await;
        assert_eq!(stale.status, StatusCode::OK, "{path}");
    }
    let before = header(&get(&app, "/checkout.js", &[]).await, "etag").to_owned();
    oblako_server::keyring::rotate(&app.state.db, &app.state.secrets, app.state.now_ms())
        .await
        .unwrap();
    let after = get(&app, "/checkout.js", &[("if-none-match", &before)]).await;
    assert_eq!(after.status, StatusCode::OK, "a new key is a new script");
    assert_ne!(header(&after, "etag"), before);
}

#[tokio::test]
async fn pages_link_versioned_files_cached_for_a_year() {
    let app = TestApp::new().await;
    let form = String::from_utf8(get(&app, FORM_PAGE, &[]).await.body).unwrap();
    let order = create(&app, serde_json::json!({})).await;
    let order_url = format!("/d/{}", order["Id"].as_str().unwrap());
    let order_page = String::from_utf8(get(&app, &order_url, &[]).await.body).unwrap();
    let urls = [
        linked(&form, "/widget/form.js?v="),
        linked(&form, "/widget/form.css?v="),
        linked(&form, "/checkout.js?v="),
        linked(&order_page, "/widget/form.css?v="),
        linked(&order_page, "/static/pages.css?v="),
        linked(&order_page, "/checkout.js?v="),
        linked(&order_page, "/favicon.svg?v="),
    ];
    for url in &urls {
        let reply = get(&app, url, &[]).await;
        assert_eq!(reply.status, StatusCode::OK, "{url}");
        assert_eq!(
            header(&reply, "cache-control"),
            "public, max-age=31536000, immutable",
            "{url}"
        );
        // The version in the URL is the file's ETag.
        let version = url.split("?v=").nth(1).unwrap();
        assert_eq!(header(&reply, "etag"), format!("W/\"{version}\""), "{url}");
    }
    // A version that is not the current one (a page from before an upgrade) is not pinned.
    let old = get(&app, "/widget/form.js?v=0123456789abcdef", &[]).await;
    assert_eq!(old.status, StatusCode::OK);
    assert_eq!(header(&old, "cache-control"), "no-cache");
    // A new key gives checkout.js a new URL.
    oblako_server::keyring::rotate(&app.state.db, &app.state.secrets, app.state.now_ms())
        .await
        .unwrap();
    let form = String::from_utf8(get(&app, FORM_PAGE, &[]).await.body).unwrap();
    assert_ne!(linked(&form, "/checkout.js?v="), urls[2]);
    let pinned = get(&app, &linked(&form, "/checkout.js?v="), &[]).await;
    assert!(
        String::from_utf8(pinned.body)
            .unwrap()
            .contains("\"version\":2")
    );
}

#[tokio::test]
async fn a_favicon_is_served_and_linked() {
    let app = TestApp::new().await;
    let ico = get(&app, "/favicon.ico", &[]).await;
    assert_eq!(ico.status, StatusCode::OK);
    assert_eq!(ico.content_type(), "image/x-icon");
    assert_eq!(ico.body[..4], [0, 0, 1, 0], "an ICO header");
    let svg = get(&app, "/favicon.svg", &[]).await;
    assert_eq!(svg.content_type(), "image/svg+xml");
    assert!(String::from_utf8(svg.body).unwrap().starts_with("<svg"));
    let order = create(&app, serde_json::json!({})).await;
    let page = get(&app, &format!("/d/{}", order["Id"].as_str().unwrap()), &[]).await;
    let html = String::from_utf8(page.body).unwrap();
    assert!(
        html.contains("<link rel=\"icon\" href=\"/favicon.svg?v="),
        "{html}"
    );
}
