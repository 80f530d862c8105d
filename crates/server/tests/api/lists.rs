//! payments/list (one day in a time zone), v2/payments/list (period, statuses, pages),
//! payments/tokens/list.

use serde_json::Value;

use crate::helpers::TestApp;
use crate::payments::cryptogram;

const HOUR: i64 = 3_600_000;

async fn charge(app: &TestApp, number: &str, account: &str) -> Value {
    let packet = cryptogram(app, &app.site.test.public_id, number).await;
    let body = serde_json::json!({"Amount": 1, "IpAddress": "1.2.3.4", "CardCryptogramPacket": packet, "AccountId": account});
    app.post("/payments/cards/charge", &body.to_string())
        .await
        .json()["Model"]
        .clone()
}

fn ids(reply: &Value) -> Vec<i64> {
    reply["Model"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["TransactionId"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn one_day_is_cut_in_the_requested_time_zone() {
    let app = TestApp::new().await;
    // The test clock starts at 2026-09-21T14:13:20Z. Move to 22:30 UTC, which is 01:30 MSK next day.
    app.clock.set(
        jiff::Timestamp::from_second(
            1_790_000_000 - 14 * 3600 - 13 * 60 - 20 + 22 * 3600 + 30 * 60,
        )
        .unwrap(),
    );
    let late = charge(&app, "4000000000003055", "a").await["TransactionId"]
        .as_i64()
        .unwrap();
    app.clock.advance_millis(2 * HOUR);
    let next_day = charge(&app, "4000000000003055", "a").await["TransactionId"]
        .as_i64()
        .unwrap();

    let utc = app
        .post("/payments/list", r#"{"Date":"2026-09-21"}"#)
        .await
        .json();
    assert_eq!(
        (utc["Success"].as_bool(), ids(&utc)),
        (Some(true), vec![late])
    );
    let msk = app
        .post(
            "/payments/list",
            r#"{"Date":"2026-09-22","TimeZone":"MSK"}"#,
        )
        .await
        .json();
    assert_eq!(ids(&msk), vec![late, next_day]);
    assert_eq!(
        msk["Model"][0]["CreatedDateIso"], "2026-09-22T01:30:00",
        "ISO dates in the zone"
    );
    let bad = app
        .post("/payments/list", r#"{"Date":"21.09.2026"}"#)
        .await
        .json();
    assert_eq!(bad["Message"], "Invalid Date value");
    assert_eq!(
        app.post(
            "/payments/list",
            r#"{"Date":"2026-09-21","TimeZone":"Mars"}"#
        )
        .await
        .json()["Message"],
        "Unknown TimeZone Mars"
    );
    assert_eq!(
        app.post("/payments/list", "{}").await.json()["Message"],
        "Date is required"
    );
}

#[tokio::test]
async fn a_period_lists_by_status_a_hundred_a_page() {
    let app = TestApp::new().await;
    let mut completed = Vec::new();
    for _ in 0..101 {
        completed.push(
            charge(&app, "4000000000003055", "a").await["TransactionId"]
                .as_i64()
                .unwrap(),
        );
    }
    let declined = charge(&app, "4000056655665556", "a").await["TransactionId"]
        .as_i64()
        .unwrap();
    let period = |page: u32, statuses: &str| {
        format!(
            r#"{{"CreatedDateGte":"2026-09-21T00:00:00+03:00","CreatedDateLte":"2026-09-22T00:00:00+03:00","PageNumber":{page}{statuses}}}"#
        )
    };
    let first = app.post("/v2/payments/list", &period(1, "")).await.json();
    let second = app.post("/v2/payments/list", &period(2, "")).await.json();
    assert_eq!(ids(&first), completed[..100].to_vec());
    assert_eq!(ids(&second), vec![completed[100], declined]);
    let only_declined = app
        .post(
            "/v2/payments/list",
            &period(1, r#","Statuses":["Declined"]"#),
        )
        .await
        .json();
    assert_eq!(ids(&only_declined), vec![declined]);
    let none = app
        .post(
            "/v2/payments/list",
            &period(1, r#","Statuses":["Authorized"]"#),
        )
        .await
        .json();
    assert!(ids(&none).is_empty());
    assert_eq!(
        app.post("/v2/payments/list", &period(0, "")).await.json()["Message"],
        "PageNumber must be 1 or more"
    );
}

#[tokio::test]
async fn tokens_are_listed_with_masked_cards() {
    let app = TestApp::new().await;
    let a = charge(&app, "4000000000003055", "alice").await["Token"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = charge(&app, "5205000000003055", "bob").await["Token"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = app.post("/payments/tokens/list", "{}").await.json();
    let tokens = list["Model"].as_array().unwrap();
    assert_eq!(tokens.len(), 2);
    let alice = tokens.iter().find(|t| t["Token"] == a.as_str()).unwrap();
    assert_eq!(alice["AccountId"], "alice");
    assert_eq!(alice["CardMask"], "4000 00****** 3055");
    assert_eq!(
        (
            alice["ExpirationDateMonth"].as_i64(),
            alice["ExpirationDateYear"].as_i64()
        ),
        (Some(12), Some(2030))
    );
    assert!(tokens.iter().any(|t| t["Token"] == b.as_str()));
    let other = app.another_site("Other").await;
    let foreign = app
        .call(
            crate::helpers::request("POST", "/payments/tokens/list")
                .auth(&other.test.public_id, &other.test.api_secret)
                .json("{}"),
        )
        .await;
    assert_eq!(foreign.json()["Model"], serde_json::json!([]));
}
