//! The card vault: PANs only as ciphertext, nothing of a card in the database file or logs,
//! and no card visible from another site or mode.

use oblako_core::card::{CardExpiry, Cvv, Pan};
use oblako_core::ids::{Mode, SiteId};
use oblako_protocol::cryptogram::seal_format_a;
use oblako_server::vault;

use crate::helpers::TestApp;

/// Distinctive numbers (valid Luhn) that appear nowhere else in the test data.
const CARDS: &[(&str, &str)] = &[
    ("4716190207394160", "7391"),
    ("5390218450738252", "8275"),
    ("2200770213859368", "6604"),
    ("4929887316255066", "9152"),
];

#[tokio::test]
async fn no_card_number_or_cvv_reaches_the_database_or_the_logs() {
    let app = TestApp::new().await;
    let logs = LogCapture::default();
    let dispatch = tracing::Dispatch::new(
        tracing_subscriber::fmt()
            .with_writer(logs.clone())
            .with_max_level(tracing::Level::TRACE)
            .finish(),
    );
    let _guard = tracing::dispatcher::set_default(&dispatch);
    let (pem, version) = app.state.keyring.current_public().await.unwrap();
    let site = SiteId(app.site.site_id);
    let mut ids = Vec::new();
    let mut responses = Vec::new();
    for (number, cvv) in CARDS {
        // Through the payment API, as a merchant would: charge, auth, confirm, refund, get.
        let pan = Pan::parse(number).unwrap();
        let packet = seal_format_a(
            &pem,
            version,
            &pan,
            CardExpiry::new(31, 1).unwrap(),
            Some(&Cvv::parse(cvv).unwrap()),
            &app.site.test.public_id,
        )
        .unwrap();
        for path in ["/payments/cards/charge", "/payments/cards/auth"] {
            let body = serde_json::json!({"Amount": 20, "IpAddress": "1.1.1.1", "CardCryptogramPacket": packet, "AccountId": "scan"});
            let reply = app.post(path, &body.to_string()).await;
            let id = reply.json()["Model"]["TransactionId"].as_i64().unwrap();
            responses.extend(reply.body);
            for (op, extra) in [
                ("/payments/get", ""),
                ("/payments/confirm", r#","Amount":10"#),
                ("/payments/refund", r#","Amount":5"#),
            ] {
                responses.extend(
                    app.post(op, &format!(r#"{{"TransactionId":{id}{extra}}}"#))
                        .await
                        .body,
                );
            }
        }
        responses.extend(
            app.post("/payments/list", r#"{"Date":"2026-09-21"}"#)
                .await
                .body,
        );
        responses.extend(app.post("/payments/tokens/list", "{}").await.body);
        let pan = Pan::parse(number).unwrap();
        let expiry = CardExpiry::new(31, 1).unwrap();
        let packet = seal_format_a(
            &pem,
            version,
            &pan,
            expiry,
            Some(&Cvv::parse(cvv).unwrap()),
            &app.site.test.public_id,
        )
        .unwrap();
        let card = app
            .state
            .keyring
            .open(&packet, &app.site.test.public_id)
            .await
            .unwrap();
        tracing::info!(?card, "opened a cryptogram");
        let id = vault::save_card(
            &app.state.db,
            &app.state.secrets,
            site,
            Mode::Test,
            &card.pan,
            card.expiry,
            1,
        )
        .await
        .unwrap();
        ids.push(id);
        let (back, _) = vault::load_pan(&app.state.db, &app.state.secrets, site, Mode::Test, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(back.expose(), *number);
    }

    let other = app.another_site("Other").await;
    for id in &ids {
        let foreign = vault::load_pan(
            &app.state.db,
            &app.state.secrets,
            SiteId(other.site_id),
            Mode::Test,
            *id,
        );
        assert!(foreign.await.unwrap().is_none());
        let live = vault::load_pan(&app.state.db, &app.state.secrets, site, Mode::Live, *id);
        assert!(live.await.unwrap().is_none());
    }

    assert!(
        contains(&responses, b"\"CardLastFour\""),
        "the responses were captured"
    );
    let mut artefacts = vec![
        ("logs".to_owned(), logs.contents()),
        ("HTTP responses".to_owned(), responses),
    ];
    if let Some(dir) = app.db.dir() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            artefacts.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
        assert!(
            artefacts.iter().any(|(name, _)| name.ends_with("-wal")),
            "the WAL was scanned too"
        );
    } else {
        println!(
            "note: PostgreSQL run: scanning the logs only (the database files are the server's)"
        );
    }
    assert!(
        logs.contents().windows(6).any(|w| w == b"471619"),
        "the logs did record the cards, masked"
    );
    for (name, bytes) in &artefacts {
        for (number, cvv) in CARDS {
            assert!(
                !contains(bytes, number.as_bytes()),
                "{number} found in {name}"
            );
            for framed in [
                format!("@{cvv}@"),
                format!("\"{cvv}\""),
                format!("cvv={cvv}"),
            ] {
                assert!(
                    !contains(bytes, framed.as_bytes()),
                    "CVV {cvv} found in {name}"
                );
            }
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[derive(Clone, Default)]
struct LogCapture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl LogCapture {
    fn contents(&self) -> Vec<u8> {
        self.0.lock().unwrap().clone()
    }
}

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = LogCapture;
    fn make_writer(&'a self) -> LogCapture {
        self.clone()
    }
}
