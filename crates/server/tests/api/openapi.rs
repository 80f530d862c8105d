//! The OpenAPI description (`GET /openapi.json`) against the code: the router and the description
//! list the same operations, every described operation is served, and a reply of every kind each
//! operation gives (approved, declined, 3-D Secure, refused, lists, 401, 413, 415, 422, …)
//! validates against the schema documented for its status.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use oblako_server::api::operations;
use oblako_server::notify::deliver::drain;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, request};
use crate::hooksink::Sink;
use crate::openapi_schema::{Spec, template};
use crate::payments::{card, cryptogram, model};

/// Browser endpoints the description covers besides the API's own operations.
const BROWSER: &[(&str, &str)] = &[("POST", "/widget/charge"), ("POST", "/widget/close")];

#[test]
fn the_router_and_the_description_list_the_same_operations() {
    let described = Spec::load().operations();
    let mut routed: BTreeSet<(String, String)> = operations()
        .iter()
        .map(|op| (op.method.to_string(), template(op.path)))
        .collect();
    routed.extend(BROWSER.iter().map(|(m, p)| (m.to_string(), template(p))));
    let unrouted: Vec<_> = described.difference(&routed).collect();
    let undescribed: Vec<_> = routed.difference(&described).collect();
    assert!(
        unrouted.is_empty() && undescribed.is_empty(),
        "described but not routed: {unrouted:?}; routed but not described: {undescribed:?}"
    );
}

#[tokio::test]
async fn the_description_is_served_and_every_operation_in_it_answers() {
    let app = TestApp::new().await;
    let served = app.call(request("GET", "/openapi.json").empty()).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.content_type(), "application/json");
    let spec = Spec::load();
    assert_eq!(served.json(), spec.0);
    for (method, path) in spec.raw_operations() {
        let real = path.replace("{Type}", "Pay");
        let req = request(&method, &real).auth(&app.site.test.public_id, &app.site.test.api_secret);
        let reply = match method.as_str() {
            "GET" => app.call(req.empty()).await,
            _ => app.call(req.json("{}")).await,
        };
        assert!(
            ![StatusCode::NOT_FOUND, StatusCode::METHOD_NOT_ALLOWED].contains(&reply.status),
            "{method} {path} is not served: {}",
            reply.status
        );
        spec.check(&method, &path, &reply);
    }
}

struct Probe<'a> {
    app: &'a TestApp,
    spec: Spec,
}

impl Probe<'_> {
    /// POSTs `body` with the site's test keys to `path` (`real` when the description's path has
    /// parameters) and checks the reply against the description.
    async fn post(&self, path: &str, body: Value) -> Reply {
        self.post_to(path, path, body).await
    }

    async fn post_to(&self, path: &str, real: &str, body: Value) -> Reply {
        let reply = self.app.post(real, &body.to_string()).await;
        self.spec.check("POST", path, &reply);
        reply
    }

    fn check(&self, method: &str, path: &str, reply: &Reply) {
        self.spec.check(method, path, reply);
    }
}

#[tokio::test]
async fn replies_of_every_kind_validate_against_the_description() {
    let app = TestApp::new().await;
    let sink = Sink::start().await;
    app.notify(&["Pay", "Fail"], &sink.url).await;
    let p = Probe {
        app: &app,
        spec: Spec::load(),
    };
    let keys = (&app.site.test.public_id, &app.site.test.api_secret);

    p.post("/test", json!({})).await;
    let key = app
        .call(request("GET", "/payments/publickey").empty())
        .await;
    p.check("GET", "/payments/publickey", &key);

    // Payments: approved with a token, 3-D Secure, declined, refused.
    let extra = json!({"InvoiceId": "inv-7", "AccountId": "acc-7"});
    let charged = card(&app, "/payments/cards/charge", "4000000000003055", extra).await;
    p.check("POST", "/payments/cards/charge", &charged);
    let paid = model(&charged)["TransactionId"].as_i64().unwrap();
    let token = model(&charged)["Token"].as_str().unwrap().to_owned();
    let challenge = card(&app, "/payments/cards/auth", "4242424242424242", json!({})).await;
    p.check("POST", "/payments/cards/auth", &challenge);
    assert!(model(&challenge)["AcsUrl"].is_string());
    let declined = card(
        &app,
        "/payments/cards/charge",
        "4000056655665556",
        json!({}),
    )
    .await;
    p.check("POST", "/payments/cards/charge", &declined);
    assert_eq!(declined.json()["Success"], false);
    p.post("/payments/cards/charge", json!({"Amount": 1})).await;
    let waiting = model(&challenge)["TransactionId"].clone();
    p.post(
        "/payments/cards/post3ds",
        json!({"TransactionId": waiting, "PaRes": "forged"}),
    )
    .await;
    let by_token = json!({"Amount": 3, "AccountId": "acc-7", "Token": token, "TrInitiatorCode": 0});
    p.post("/payments/tokens/charge", by_token.clone()).await;
    let authorized = p.post("/payments/tokens/auth", by_token.clone()).await;
    let held = model(&authorized)["TransactionId"].clone();
    p.post(
        "/payments/confirm",
        json!({"TransactionId": held, "Amount": 1}),
    )
    .await;
    let second = p.post("/payments/tokens/auth", by_token).await;
    let second = model(&second)["TransactionId"].clone();
    p.post("/payments/void", json!({"TransactionId": second}))
        .await;
    p.post("/payments/cancel", json!({"TransactionId": second}))
        .await;
    p.post(
        "/payments/refund",
        json!({"TransactionId": paid, "Amount": 2}),
    )
    .await;
    p.post("/payments/get", json!({"TransactionId": paid}))
        .await;
    p.post("/payments/get", json!({"TransactionId": 999_999}))
        .await;
    p.post("/payments/find", json!({"InvoiceId": "inv-7"}))
        .await;
    p.post("/v2/payments/find", json!({"InvoiceId": "inv-7"}))
        .await;

    // Lists.
    p.post("/payments/list", json!({"Date": "2026-09-21"}))
        .await;
    let period = json!({"CreatedDateGte": "2026-01-01T00:00:00+03:00",
        "CreatedDateLte": "2027-01-01T00:00:00+03:00", "PageNumber": 1, "TimeZone": "MSK"});
    let listed = p.post("/v2/payments/list", period).await;
    assert!(model(&listed).as_array().unwrap().len() >= 5);
    p.post("/payments/tokens/list", json!({})).await;

    // Subscriptions and orders.
    let token = model(&charged)["Token"].clone();
    let created = p
        .post(
            "/subscriptions/create",
            json!({"Token": token, "AccountId": "acc-7", "Description": "Monthly", "Amount": 5,
                "Currency": "RUB", "RequireConfirmation": false, "MaxPeriods": 3,
                "StartDate": "2027-01-01T00:00:00Z", "Interval": "Month", "Period": 1}),
        )
        .await;
    let id = model(&created)["Id"].clone();
    p.post("/subscriptions/get", json!({"Id": id})).await;
    p.post("/subscriptions/find", json!({"AccountId": "acc-7"}))
        .await;
    p.post("/subscriptions/update", json!({"Id": id, "Amount": 6}))
        .await;
    p.post("/subscriptions/cancel", json!({"Id": id})).await;
    p.post("/subscriptions/get", json!({"Id": "sc_nope"})).await;
    let order = p
        .post(
            "/orders/create",
            json!({"Amount": 15, "Description": "Order", "Email": "a@b.example"}),
        )
        .await;
    p.post("/orders/cancel", json!({"Id": model(&order)["Id"]}))
        .await;

    // Receipts: queued, refused (bad INN, bad receipt), fiscalised, not found.
    let receipt = json!({"Items": [{"label": "x", "price": 2, "quantity": 1, "amount": 2}]});
    let queued = p
        .post(
            "/kkt/receipt",
            json!({"Inn": "7707083893", "Type": "Income", "CustomerReceipt": receipt}),
        )
        .await;
    p.post(
        "/kkt/receipt",
        json!({"Inn": "1", "Type": "Income", "CustomerReceipt": receipt}),
    )
    .await;
    p.post(
        "/kkt/receipt",
        json!({"Inn": "7707083893", "Type": "Income", "CustomerReceipt": {}}),
    )
    .await;
    let id = json!({"Id": model(&queued)["Id"]});
    p.post("/kkt/receipt/get", id.clone()).await;
    oblako_server::receipts::fiscalise::drain(&app.state, "openapi-test")
        .await
        .unwrap();
    p.post("/kkt/receipt/status/get", id.clone()).await;
    p.post("/kkt/receipt/get", id).await;
    p.post("/kkt/receipt/status/get", json!({"Id": "nope"}))
        .await;
    p.post("/kkt/receipt/get", json!({"Id": "nope"})).await;

    // Notification settings and the log.
    let kind = "/site/notifications/{Type}/get";
    p.post_to(kind, "/site/notifications/Pay/get", json!({}))
        .await;
    p.post_to(kind, "/site/notifications/Receipt/get", json!({}))
        .await;
    let get = app
        .call(
            request("GET", "/site/notifications/fail/get")
                .auth(keys.0, keys.1)
                .empty(),
        )
        .await;
    p.check("GET", kind, &get);
    let update = "/site/notifications/{Type}/update";
    let settings = json!({"IsEnabled": true, "Address": sink.url, "HttpMethod": "POST"});
    p.post_to(update, "/site/notifications/Confirm/update", settings)
        .await;
    drain(&app.state, "openapi-test").await.unwrap();
    let log = p.post("/notifications/list", json!({"PageSize": 5})).await;
    let first = model(&log)[0]["Id"].clone();
    p.post("/notifications/get", json!({"Id": first})).await;
    p.post("/notifications/resend", json!({"Id": first})).await;
    p.post("/notifications/test", json!({"Type": "Pay"})).await;
    p.post("/notifications/test", json!({"Type": "Refund"}))
        .await;

    // The widget's endpoints.
    let packet = cryptogram(&app, keys.0, "4111111111111111").await;
    let attempt = "attempt-0123456789abcdef";
    let body = json!({"PublicId": keys.0, "CardCryptogramPacket": packet, "Amount": 4,
        "AttemptKey": attempt});
    let widget = app
        .call(request("POST", "/widget/charge").json(&body.to_string()))
        .await;
    p.check("POST", "/widget/charge", &widget);
    for key in [attempt, "attempt-never-charged-0000"] {
        let close = json!({"PublicId": keys.0, "AttemptKey": key}).to_string();
        let closed = app
            .call(request("POST", "/widget/close").json(&close))
            .await;
        p.check("POST", "/widget/close", &closed);
    }
}

#[tokio::test]
async fn refusals_outside_http_200_validate_against_the_description() {
    let app = TestApp::new().await;
    let spec = Spec::load();
    let keys = (&app.site.test.public_id, &app.site.test.api_secret);
    let path = "/payments/refund";

    let no_auth = app.call(request("POST", path).json("{}")).await;
    assert_eq!(no_auth.status, StatusCode::UNAUTHORIZED);
    spec.check("POST", path, &no_auth);

    let text = request("POST", path)
        .auth(keys.0, keys.1)
        .header("content-type", "text/plain")
        .body("TransactionId=1");
    let unsupported = app.call(text).await;
    assert_eq!(unsupported.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    spec.check("POST", path, &unsupported);

    let big = format!("{{\"Description\":\"{}\"}}", "x".repeat(2 << 20));
    let too_large = app
        .call(request("POST", path).auth(keys.0, keys.1).json(&big))
        .await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    spec.check("POST", path, &too_large);

    let keyed = |body: &'static str| {
        request("POST", "/orders/create")
            .auth(keys.0, keys.1)
            .header("x-request-id", "same-key")
            .json(body)
    };
    let first = app.call(keyed(r#"{"Amount":1,"Description":"a"}"#)).await;
    spec.check("POST", "/orders/create", &first);
    let other = app.call(keyed(r#"{"Amount":2,"Description":"a"}"#)).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    spec.check("POST", "/orders/create", &other);

    let odd_kind = app
        .call(
            request("GET", "/site/notifications/%FF/get")
                .auth(keys.0, keys.1)
                .empty(),
        )
        .await;
    assert_eq!(odd_kind.status, StatusCode::OK);
    spec.check("GET", "/site/notifications/{Type}/get", &odd_kind);
    assert_eq!(odd_kind.json()["Success"], false);
}

#[tokio::test]
async fn the_validator_refuses_what_the_description_forbids() {
    let app = TestApp::new().await;
    let spec = Spec::load();
    let charged = card(
        &app,
        "/payments/cards/charge",
        "4111111111111111",
        json!({}),
    )
    .await;
    let schema = &spec.0["paths"]["/payments/cards/charge"]["post"]["responses"]["200"]["content"]
        ["application/json"]["schema"];
    let good = charged.json();
    assert_eq!(spec.validate(schema, &good, "$"), Ok(()));
    let spoil: [fn(&mut Value); 6] = [
        |v| {
            v["Model"].as_object_mut().unwrap().remove("Token");
        },
        |v| v["Model"]["Extra"] = json!(1),
        |v| v["Model"]["Amount"] = json!("10"),
        |v| v["Model"]["Status"] = json!("Pending"),
        |v| v["Message"] = json!("approved"),
        |v| v["Model"]["TransactionId"] = json!(1.5),
    ];
    for (n, change) in spoil.iter().enumerate() {
        let mut bad = good.clone();
        change(&mut bad);
        assert!(spec.validate(schema, &bad, "$").is_err(), "change {n}");
    }
}
