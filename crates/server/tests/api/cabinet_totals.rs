//! The transactions page's totals, which come from the per-day totals, against the direct scan
//! of the same filter (`search::scan_totals`), over payments made through the API (approved,
//! declined, a partial confirmation, a void, a partial refund, two currencies) and a seeded year
//! of history; periods with partial days at their edges through the store's `search::totals`.

use oblako_core::ids::{Mode, SiteId};
use oblako_server::cabinet::transactions::{Filters, major};
use oblako_store::transactions::search::{self, Search, Totals};
use serde_json::json;

use crate::cabinet::{signed_in, text};
use crate::helpers::TestApp;
use crate::payments::{card, model};

const DAY_MS: i64 = 86_400_000;

/// The rows of the page's totals table: currency, approved, sum, declined, sum.
fn table(html: &str) -> Vec<Vec<String>> {
    let Some(start) = html.find("<table id=\"totals\">") else {
        return Vec::new();
    };
    let table = &html[start..];
    let table = &table[..table.find("</table>").unwrap()];
    table
        .split("<tr>")
        .skip(2)
        .map(|row| {
            row.split("<td>")
                .skip(1)
                .map(|cell| cell.split('<').next().unwrap().to_owned())
                .collect()
        })
        .collect()
}

fn rendered(totals: &[Totals]) -> Vec<Vec<String>> {
    totals
        .iter()
        .map(|t| {
            vec![
                t.currency.clone(),
                t.approved_count.to_string(),
                major(t.approved_sum),
                t.declined_count.to_string(),
                major(t.declined_sum),
            ]
        })
        .collect()
}

fn date(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .unwrap()
        .strftime("%Y-%m-%d")
        .to_string()
}

async fn api(app: &TestApp, path: &str, id: i64, amount: Option<f64>) {
    let body = match amount {
        Some(a) => format!(r#"{{"TransactionId":{id},"Amount":{a}}}"#),
        None => format!(r#"{{"TransactionId":{id}}}"#),
    };
    let reply = app.post(path, &body).await;
    assert_eq!(reply.json()["Success"], true, "{path}: {}", text(&reply));
}

async fn pay(app: &TestApp, path: &str, number: &str, extra: serde_json::Value) -> i64 {
    let reply = card(app, path, number, extra).await;
    model(&reply)["TransactionId"].as_i64().unwrap()
}

#[tokio::test]
async fn the_totals_table_equals_the_scan_of_the_same_filter() {
    let app = TestApp::new().await;
    let db = &app.state.db;
    let site = app.site.site_id;
    let owner = signed_in(&app, "totals@shop.example", "owner", None).await;
    let account = oblako_server::sites::default_account(db, app.state.now_ms())
        .await
        .unwrap();
    let now = app.state.now_ms();
    oblako_store::seed::payments(db, SiteId(site), Mode::Test, 1_500, now)
        .await
        .unwrap();
    let charge = "/payments/cards/charge";
    let auth = "/payments/cards/auth";
    pay(&app, charge, "4111111111111111", json!({})).await;
    pay(&app, charge, "4000056655665556", json!({"Amount": 7})).await;
    let held = pay(&app, auth, "4000000000003055", json!({"Amount": 10})).await;
    api(&app, "/payments/confirm", held, Some(6.0)).await;
    let voided = pay(&app, auth, "4000000000003055", json!({"Amount": 50})).await;
    api(&app, "/payments/void", voided, None).await;
    let refunded = pay(&app, charge, "4111111111111111", json!({"Currency": "USD"})).await;
    api(&app, "/payments/refund", refunded, Some(4.0)).await;

    let today = date(now);
    let queries = [
        String::new(),
        "status=Declined".to_owned(),
        "currency=USD".to_owned(),
        "kind=refund".to_owned(),
        format!("site={site}&mode=test"),
        format!("from={}&to={today}", date(now - 100 * DAY_MS)),
        format!("from={today}&to={today}&status=Completed"),
        format!("to={}", date(now - 200 * DAY_MS)),
    ];
    for q in &queries {
        let filters: Filters = serde_urlencoded::from_str(q).unwrap();
        let s = filters.search();
        assert!(oblako_store::daily_totals::answers(&s), "{q}");
        let page = owner.get(&format!("/cabinet/transactions?{q}")).await;
        let html = text(&page);
        let want = search::scan_totals(db, account, &s).await.unwrap();
        assert!(!want.is_empty(), "{q}: something to total");
        assert_eq!(table(&html), rendered(&want), "{q}");
        assert!(!html.contains("totals-period"), "{q}: not only 30 days");
    }
    // Without a period the totals cover the whole seeded year, not the last 30 days.
    let all = search::scan_totals(db, account, &Search::default())
        .await
        .unwrap();
    assert!(all.iter().map(|t| t.approved_count).sum::<i64>() > 1_000);
    // A card filter is scanned, over the last 30 days when it names no period.
    let by_card = owner.get("/cabinet/transactions?first6=411111").await;
    assert!(text(&by_card).contains("totals-period"));

    // Periods whose edges cut days: the buckets' whole days and the edges' rows.
    let h = 3_600_000;
    for (from_ms, to_ms) in [
        (Some(now - 40 * DAY_MS + 5 * h), Some(now - 3 * h)),
        (Some(now - 2 * h), None),
        (None, Some(now - 90 * DAY_MS - 7 * h)),
        (Some(now - 26 * h), Some(now + h)),
    ] {
        let s = Search {
            from_ms,
            to_ms,
            site: Some(site),
            ..Search::default()
        };
        let kept = search::totals(db, account, &s).await.unwrap();
        let scanned = search::scan_totals(db, account, &s).await.unwrap();
        assert!(!kept.is_empty(), "{s:?}");
        assert_eq!(kept, scanned, "{s:?}");
    }
}
