//! Subscriptions: the API's model, validation messages and quirks (spec §3.17–3.21),
//! billing on the injected clock (schedule, failure ladder, hard declines, two-stage charges,
//! a charge that dies half-way), and subscriptions made by a payment's JsonData.

use oblako_core::ids::SiteId;
use oblako_server::subscriptions::billing::{drain, tick};
use oblako_store::notifications::{self, ListFilter};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::payments::{card, model};

pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// A token of `account` for `number`, from a card payment.
pub async fn token_for(app: &TestApp, number: &str, account: &str) -> String {
    let reply = card(
        app,
        "/payments/cards/charge",
        number,
        json!({"AccountId": account}),
    )
    .await;
    model(&reply)["Token"].as_str().unwrap().to_owned()
}

pub fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).unwrap().to_string()
}

/// `subscriptions/create` for `token` of `user_1`, monthly from an hour from now; `extra`
/// overrides.
pub async fn create(app: &TestApp, token: &str, extra: Value) -> crate::helpers::Reply {
    let mut body = json!({
        "Token": token, "AccountId": "user_1", "Description": "Monthly plan",
        "Email": "payer@example.com", "Amount": 399, "Currency": "RUB",
        "RequireConfirmation": false, "StartDate": iso(app.state.now_ms() + HOUR_MS),
        "Interval": "Month", "Period": 1,
    });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    app.post("/subscriptions/create", &body.to_string()).await
}

async fn get(app: &TestApp, id: &str) -> Value {
    model(
        &app.post("/subscriptions/get", &json!({ "Id": id }).to_string())
            .await,
    )
}

async fn enable_recurrent(app: &TestApp) {
    app.notify(&["Recurrent", "Pay", "Fail"], "http://127.0.0.1:9/hook")
        .await;
}

/// The queued notifications of `kind`, oldest first, as their bodies.
async fn queued(app: &TestApp, kind: &str) -> Vec<String> {
    let mut all = notifications::list(
        &app.state.db,
        SiteId(app.site.site_id),
        &ListFilter::default(),
    )
    .await
    .unwrap();
    all.reverse();
    all.into_iter()
        .filter(|n| n.kind == kind)
        .map(|n| n.body)
        .collect()
}

/// Moves the clock to `at_ms`, ticks and runs every due charge.
pub async fn bill_at(app: &TestApp, at_ms: i64) {
    app.clock
        .set(jiff::Timestamp::from_millisecond(at_ms).unwrap());
    tick(&app.state).await.unwrap();
    drain(&app.state, "test-billing").await.unwrap();
}

#[tokio::test]
async fn create_get_find_and_cancel_speak_the_spec_model() {
    let app = TestApp::new().await;
    enable_recurrent(&app).await;
    let token = token_for(&app, "4000000000003055", "user_1").await;
    let start = app.state.now_ms() + HOUR_MS;
    let reply = create(&app, &token, json!({"StartDate": iso(start)})).await;
    let body = reply.json();
    assert_eq!(body["Success"], true, "{body}");
    let m = &body["Model"];
    let id = m["Id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("sc_") && id.len() == 32, "{id}");
    assert!(id[3..].chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(
        (m["Status"].as_str(), m["StatusCode"].as_i64()),
        (Some("Active"), Some(0))
    );
    assert_eq!(
        (m["Interval"].as_str(), m["IntervalCode"].as_i64()),
        (Some("Month"), Some(1))
    );
    assert_eq!(m["Amount"], json!(399));
    assert_eq!(m["StartDate"], format!("/Date({start})/"));
    assert_eq!(m["NextTransactionDate"], m["StartDate"]);
    assert_eq!(m["NextTransactionDateIso"], m["StartDateIso"]);
    assert_eq!(m["StartDateIso"].as_str().unwrap().len(), 19);
    for key in [
        "MaxPeriods",
        "LastTransactionDate",
        "LastTransactionDateIso",
        "Receipt",
        "FailoverSchemeId",
    ] {
        assert!(
            m.get(key).is_some_and(Value::is_null),
            "{key} present and null"
        );
    }
    assert_eq!(get(&app, &id).await, *m);

    let found = app
        .post("/subscriptions/find", r#"{"accountId":"user_1"}"#)
        .await
        .json();
    assert_eq!(found["Model"].as_array().unwrap().len(), 1);
    assert_eq!(found["Model"][0]["Id"], id.as_str());
    let none = app
        .post("/subscriptions/find", r#"{"AccountId":"nobody"}"#)
        .await
        .json();
    assert_eq!(none["Model"], json!([]));

    let cancelled = app
        .post("/subscriptions/cancel", &json!({ "Id": id }).to_string())
        .await;
    assert_eq!(cancelled.body, br#"{"Success":true,"Message":null}"#);
    let m = get(&app, &id).await;
    assert_eq!(
        (m["Status"].as_str(), m["StatusCode"].as_i64()),
        (Some("Cancelled"), Some(3))
    );
    assert!(m["NextTransactionDate"].is_null());
    let recurrent = queued(&app, "Recurrent").await;
    assert_eq!(recurrent.len(), 1, "a status change is announced");
    assert!(recurrent[0].contains("Status=Cancelled") && recurrent[0].contains(&id));
    // Never charged, cancelled: no last or next date, left out rather than sent empty.
    assert!(
        !recurrent[0].contains("LastTransactionDate")
            && !recurrent[0].contains("NextTransactionDate"),
        "{}",
        recurrent[0]
    );
    // Still found, in every status.
    let found = app
        .post("/subscriptions/find", r#"{"AccountId":"user_1"}"#)
        .await
        .json();
    assert_eq!(found["Model"][0]["Status"], "Cancelled");
}

#[tokio::test]
async fn each_violation_has_its_own_message() {
    let app = TestApp::new().await;
    let token = token_for(&app, "4000000000003055", "user_1").await;
    let now = app.state.now_ms();
    let cases = [
        (
            json!({"StartDate": iso(now - 1000)}),
            "StartDate must be in the future",
        ),
        (
            json!({"StartDate": iso(now + 400 * DAY_MS)}),
            "StartDate must be within one year from now",
        ),
        (json!({"StartDate": "next week"}), "Invalid StartDate value"),
        (json!({"StartDate": null}), "StartDate is required"),
        (json!({"Period": 0}), "Period must be greater than 0"),
        (json!({"Period": -2}), "Period must be greater than 0"),
        (
            json!({"Interval": "Year"}),
            "Interval must be Day, Week or Month",
        ),
        (
            json!({"Interval": "Month", "Period": 13}),
            "The interval between payments must not exceed one year",
        ),
        (
            json!({"Interval": "Week", "Period": 53}),
            "The interval between payments must not exceed one year",
        ),
        (
            json!({"Interval": "Day", "Period": 366}),
            "The interval between payments must not exceed one year",
        ),
        (
            json!({"MaxPeriods": 0}),
            "MaxPeriods must be greater than 0",
        ),
        (json!({"Token": "tk_nope"}), "Token not found"),
        (json!({"AccountId": "user_2"}), "Token not found"),
        (json!({"Description": null}), "Description is required"),
        (json!({"Amount": 0}), "Amount must be greater than zero"),
    ];
    for (extra, message) in cases {
        let reply = create(&app, &token, extra.clone()).await.json();
        assert_eq!(
            (reply["Success"].as_bool(), reply["Message"].as_str()),
            (Some(false), Some(message)),
            "{extra}: {reply}"
        );
    }
    // A token of another site is not found either.
    let other = app.another_site("Other").await;
    let reply = app
        .call(
            crate::helpers::request("POST", "/subscriptions/create")
                .auth(&other.test.public_id, &other.test.api_secret)
                .json(
                    &json!({"Token": token, "AccountId": "user_1", "Description": "x",
                        "Amount": 1, "StartDate": iso(now + HOUR_MS), "Interval": "Day", "Period": 1})
                    .to_string(),
                ),
        )
        .await
        .json();
    assert_eq!(reply["Message"], "Token not found");
    // Update checks the same rules; get/update/cancel of an unknown or foreign id is not found.
    let id = model(&create(&app, &token, json!({})).await)["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (extra, message) in [
        (
            json!({"StartDate": iso(now - 1)}),
            "StartDate must be in the future",
        ),
        (json!({"Period": 0}), "Period must be greater than 0"),
        (
            json!({"Interval": "Fortnight"}),
            "Interval must be Day, Week or Month",
        ),
        (
            json!({"Period": 24}),
            "The interval between payments must not exceed one year",
        ),
        (
            json!({"MaxPeriods": -1}),
            "MaxPeriods must be greater than 0",
        ),
    ] {
        let mut body = extra.clone();
        body["Id"] = json!(id);
        let reply = app
            .post("/subscriptions/update", &body.to_string())
            .await
            .json();
        assert_eq!(reply["Message"].as_str(), Some(message), "{extra}");
    }
    for path in [
        "/subscriptions/get",
        "/subscriptions/update",
        "/subscriptions/cancel",
    ] {
        let reply = app
            .call(
                crate::helpers::request("POST", path)
                    .auth(&other.test.public_id, &other.test.api_secret)
                    .json(&json!({ "Id": id }).to_string()),
            )
            .await
            .json();
        assert_eq!(
            reply,
            json!({"Success": false, "Message": "Not found"}),
            "{path}"
        );
    }
}

#[tokio::test]
async fn update_reactivates_a_finished_subscription_without_a_notification() {
    let app = TestApp::new().await;
    enable_recurrent(&app).await;
    let token = token_for(&app, "4000000000003055", "user_1").await;
    let start = app.state.now_ms() + HOUR_MS;
    let id = model(
        &create(
            &app,
            &token,
            json!({"Interval": "Day", "Period": 1, "MaxPeriods": 3, "StartDate": iso(start)}),
        )
        .await,
    )["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    bill_at(&app, start).await;
    bill_at(&app, start + DAY_MS).await;
    app.post("/subscriptions/cancel", &json!({ "Id": id }).to_string())
        .await;
    assert_eq!(queued(&app, "Recurrent").await.len(), 1);

    // Five days later an update of the amount alone re-activates it, with 1 charge left of 3.
    app.clock.advance_millis(5 * DAY_MS);
    let updated = app
        .post(
            "/subscriptions/update",
            &json!({"Id": id, "Amount": 499}).to_string(),
        )
        .await
        .json();
    let m = &updated["Model"];
    assert_eq!(m["Status"], "Active", "{updated}");
    assert_eq!(
        (
            m["Amount"].as_i64(),
            m["SuccessfulTransactionsNumber"].as_i64()
        ),
        (Some(499), Some(2))
    );
    assert_eq!(m["MaxPeriods"], 3);
    let next = start + 7 * DAY_MS;
    assert_eq!(
        m["NextTransactionDate"],
        format!("/Date({next})/"),
        "the next slot after now"
    );
    assert_eq!(
        queued(&app, "Recurrent").await.len(),
        1,
        "an API update announces nothing"
    );

    // The one charge left expires it, announced.
    bill_at(&app, next).await;
    let m = get(&app, &id).await;
    assert_eq!(
        (
            m["Status"].as_str(),
            m["SuccessfulTransactionsNumber"].as_i64()
        ),
        (Some("Expired"), Some(3))
    );
    assert!(m["NextTransactionDate"].is_null());
    let recurrent = queued(&app, "Recurrent").await;
    assert_eq!(recurrent.len(), 2);
    assert!(recurrent[1].contains("Status=Expired"));
    // The cancelled days were never charged: 3 charges in all, each at its amount.
    let pays = queued(&app, "Pay").await;
    let ours: Vec<&String> = pays.iter().filter(|b| b.contains(&id)).collect();
    assert_eq!(ours.len(), 3);
    assert!(ours[2].contains("Amount=499.00"));

    // A new StartDate moves the next charge; Expired with no charges left stays Expired until
    // MaxPeriods grows.
    let more = app
        .post(
            "/subscriptions/update",
            &json!({"Id": id, "MaxPeriods": 4, "StartDate": iso(next + 10 * DAY_MS)}).to_string(),
        )
        .await
        .json();
    assert_eq!(more["Model"]["Status"], "Active");
    assert_eq!(
        more["Model"]["NextTransactionDate"],
        format!("/Date({})/", next + 10 * DAY_MS)
    );
}

#[tokio::test]
async fn an_update_keeps_the_currency_unless_it_is_given() {
    let app = TestApp::new().await;
    let token = token_for(&app, "4000000000003055", "user_1").await;
    let id = model(&create(&app, &token, json!({"Amount": 12.5, "Currency": "USD"})).await)["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let update = |body: Value| {
        let app = &app;
        async move {
            app.post("/subscriptions/update", &body.to_string())
                .await
                .json()
        }
    };
    // An amount alone stays in the stored currency.
    let m = update(json!({"Id": id, "Amount": 20})).await;
    assert_eq!(
        (
            m["Model"]["Amount"].as_f64(),
            m["Model"]["Currency"].as_str()
        ),
        (Some(20.0), Some("USD")),
        "{m}"
    );
    // A currency alone keeps the amount's value.
    let m = update(json!({"Id": id, "Currency": "EUR"})).await;
    assert_eq!(
        (
            m["Model"]["Amount"].as_f64(),
            m["Model"]["Currency"].as_str()
        ),
        (Some(20.0), Some("EUR")),
        "{m}"
    );
    let m = update(json!({"Id": id, "Amount": 10.5})).await;
    assert_eq!(m["Model"]["Currency"], "EUR", "{m}");
    // 10.50 has no writing in BYR (no minor units): refused, nothing changed.
    let m = update(json!({"Id": id, "Currency": "BYR"})).await;
    assert_eq!(m["Success"], false, "{m}");
    assert!(m["Message"].as_str().unwrap().contains("BYR"), "{m}");
    let stored = get(&app, &id).await;
    assert_eq!(
        (stored["Amount"].as_f64(), stored["Currency"].as_str()),
        (Some(10.5), Some("EUR"))
    );
    // Both given: as given.
    let m = update(json!({"Id": id, "Amount": 700, "Currency": "RUB"})).await;
    assert_eq!(
        (
            m["Model"]["Amount"].as_f64(),
            m["Model"]["Currency"].as_str()
        ),
        (Some(700.0), Some("RUB")),
        "{m}"
    );
    // A foreign or unknown id is not found before anything is parsed.
    let m = update(json!({"Id": "sc_nope", "Currency": "EUR"})).await;
    assert_eq!(m["Success"], false, "{m}");
}
