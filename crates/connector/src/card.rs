//! `/pub/card`: the page a merchant redirects a payer to. It opens the standard payment widget
//! (`CLOUDPAYMENTS_WIDGET_URL`) for the account, amount, description and currency in the query,
//! then sends the payer to `success_url` or `fail_url`.
//!
//! Every value reaches the page as JSON inside a `<script type="application/json">` block and as
//! escaped text, never as markup or script; a bad or missing parameter is a 400 page saying which.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use oblako_protocol::notification::{FormEncoding, parse_form};
use rust_decimal::Decimal;

use crate::app::AppState;
use crate::incoming::param;

/// What the card page charges.
#[derive(Debug, PartialEq)]
pub struct CardRequest {
    pub account: String,
    pub sum: Decimal,
    pub description: String,
    pub currency: String,
    pub success_url: Option<String>,
    pub fail_url: Option<String>,
}

/// Reads and checks the query; `Err` is the sentence for the 400 page.
pub fn parse(query: &str) -> Result<CardRequest, String> {
    let params = parse_form(query, FormEncoding::Utf8);
    let required = |name: &str| {
        param(&params, name)
            .map(str::to_owned)
            .ok_or_else(|| format!("The parameter \"{name}\" is required."))
    };
    let account = required("account")?;
    let description = required("description")?;
    let sum_text = required("sum")?;
    let sum = sum_text
        .parse::<Decimal>()
        .ok()
        .filter(|s| *s > Decimal::ZERO && s.scale() <= 2)
        .ok_or_else(|| {
            format!(
                "\"sum\" must be a positive amount with at most two decimals, not {sum_text:?}."
            )
        })?;
    let currency = required("currency")?.to_ascii_uppercase();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(format!(
            "\"currency\" must be a three-letter code such as RUB, not {currency:?}."
        ));
    }
    if account.chars().count() > 256 || description.chars().count() > 1024 {
        return Err("\"account\" or \"description\" is too long.".to_owned());
    }
    let url = |name: &str| match param(&params, name) {
        None => Ok(None),
        Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
            Ok(Some(url.to_owned()))
        }
        Some(url) => Err(format!(
            "\"{name}\" must be an http(s) address, not {url:?}."
        )),
    };
    Ok(CardRequest {
        account,
        sum,
        description,
        currency,
        success_url: url("success_url")?,
        fail_url: url("fail_url")?,
    })
}

/// `GET /pub/card`.
pub async fn pub_card(State(state): State<Arc<AppState>>, uri: Uri) -> Response {
    match parse(uri.query().unwrap_or("")) {
        Ok(request) => html(StatusCode::OK, &page(&state, &request)),
        Err(why) => html(
            StatusCode::BAD_REQUEST,
            &format!(
                "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">\
                 <title>Bad payment link</title><h1>Bad payment link</h1><p id=\"error\">{}</p>",
                escape(&why)
            ),
        ),
    }
}

fn html(status: StatusCode, body: &str) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_owned(),
    )
        .into_response()
}

fn page(state: &AppState, request: &CardRequest) -> String {
    let data = serde_json::json!({
        "publicId": state.config.public_id,
        "accountId": request.account,
        "amount": request.sum.to_string().parse::<serde_json::Number>().ok(),
        "currency": request.currency,
        "description": request.description,
        "successUrl": request.success_url,
        "failUrl": request.fail_url,
    });
    // `</` cannot end the JSON block early once `<` is escaped.
    let data = data.to_string().replace('<', "\\u003c");
    format!(
        r#"<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Оплата картой</title></head>
<body><main><h1>{description}</h1><p>{sum} {currency}</p>
<p id="status" role="status"></p>
<button id="pay" type="button">Оплатить</button></main>
<script type="application/json" id="payment">{data}</script>
<script src="{widget}"></script>
<script>
(function () {{
  var p = JSON.parse(document.getElementById("payment").textContent);
  function go(url, text) {{
    if (url) {{ window.location.href = url; }} else {{ document.getElementById("status").textContent = text; }}
  }}
  function open() {{
    new cp.CloudPayments().pay("charge", {{
      publicId: p.publicId, description: p.description, amount: p.amount,
      currency: p.currency, accountId: p.accountId
    }}, {{
      onSuccess: function () {{ go(p.successUrl, "Оплата прошла"); }},
      onFail: function () {{ go(p.failUrl, "Оплата не прошла"); }}
    }});
  }}
  document.getElementById("pay").addEventListener("click", open);
  open();
}})();
</script></body></html>
"#,
        description = escape(&request.description),
        sum = request.sum,
        currency = escape(&request.currency),
        widget = escape(&state.config.widget_url),
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_link_parses() {
        let request = parse(
            "account=u1&sum=45.50&description=Top+up&currency=rub&success_url=http%3a%2f%2fa",
        )
        .unwrap();
        assert_eq!(request.sum, Decimal::new(4550, 2));
        assert_eq!(request.currency, "RUB");
        assert_eq!(request.success_url.as_deref(), Some("http://a"));
    }

    #[test]
    fn bad_links_say_what_is_wrong() {
        let cases = [
            (
                "sum=1&description=d&currency=RUB",
                "\"account\" is required",
            ),
            (
                "account=a&sum=-1&description=d&currency=RUB",
                "\"sum\" must be",
            ),
            (
                "account=a&sum=1.001&description=d&currency=RUB",
                "\"sum\" must be",
            ),
            (
                "account=a&sum=1&description=d&currency=RUBLES",
                "\"currency\" must be",
            ),
            (
                "account=a&sum=1&description=d&currency=RUB&fail_url=javascript:x",
                "\"fail_url\"",
            ),
        ];
        for (query, expected) in cases {
            let err = parse(query).unwrap_err();
            assert!(err.contains(expected), "{query}: {err}");
        }
    }
}
