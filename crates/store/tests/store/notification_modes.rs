//! Test and live mode kept apart: the other mode's notification is not found,
//! a mode's settings update leaves the other mode's alone, and the migration that split the
//! settings kept every existing row for both modes.

use oblako_core::ids::{Mode, SiteId};
use oblako_store::Db;
use oblako_store::notifications::settings::{self, Settings};
use oblako_store::notifications::{self as notes, ListFilter, State};
use oblako_store::test_db::TestDb;

use super::notifications::{claim, enqueue, failed, note, state};
use super::{fresh, site};

fn pay(url: &str) -> Settings {
    Settings {
        enabled: true,
        url: url.into(),
        method: "POST".into(),
        ..Settings::disabled("Pay")
    }
}

#[tokio::test]
async fn each_mode_has_its_own_settings() {
    let t = fresh().await;
    let db = &t.db;
    let s = site(db, "modes").await;
    settings::upsert(db, s, Mode::Live, &pay("https://live.example/"), 1)
        .await
        .unwrap();
    settings::upsert(db, s, Mode::Test, &pay("https://test.example/"), 2)
        .await
        .unwrap();
    assert_eq!(
        settings::get(db, s, Mode::Live, "Pay").await.unwrap().url,
        "https://live.example/",
        "the test-mode update left the live settings alone"
    );
    let test = settings::list(db, s, Mode::Test).await.unwrap();
    assert_eq!(test[1], pay("https://test.example/"));
    settings::upsert(db, s, Mode::Test, &Settings::disabled("Pay"), 3)
        .await
        .unwrap();
    assert!(
        settings::get(db, s, Mode::Live, "Pay")
            .await
            .unwrap()
            .enabled
    );
}

async fn old_row(db: &Db, site: SiteId, kind: &str, url: &str) {
    let sql = "INSERT INTO notification_settings \
           (site_id, kind, enabled, url, method, encoding, format, updated_at) \
         VALUES ($1, $2, TRUE, $3, 'POST', 'Windows1251', 'CloudPayments', 5)";
    let mut tx = db.begin_write().await.unwrap();
    oblako_store::on_tx!(&mut tx, c => sqlx::query(sql)
        .bind(site.0).bind(kind).bind(url).execute(&mut **c).await.map(|_| ()))
    .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn the_split_keeps_every_existing_setting_for_both_modes() {
    let t = TestDb::at_migration(8).await.unwrap();
    let db = &t.db;
    let (a, b) = (site(db, "old-a").await, site(db, "old-b").await);
    old_row(db, a, "Pay", "https://a.example/pay").await;
    old_row(db, a, "Check", "https://a.example/check").await;
    old_row(db, b, "Refund", "https://b.example/refund").await;
    db.migrate().await.unwrap();
    for mode in [Mode::Test, Mode::Live] {
        for (s, kind, url) in [
            (a, "Pay", "https://a.example/pay"),
            (a, "Check", "https://a.example/check"),
            (b, "Refund", "https://b.example/refund"),
        ] {
            let kept = settings::get(db, s, mode, kind).await.unwrap();
            assert_eq!(
                (kept.enabled, kept.url.as_str(), kept.encoding.as_str()),
                (true, url, "Windows1251"),
                "{mode:?} {kind} of site {}",
                s.0
            );
        }
        let unset = settings::get(db, b, mode, "Pay").await.unwrap();
        assert_eq!(unset, Settings::disabled("Pay"));
    }
    // The new key holds: one row per site, mode and kind.
    settings::upsert(db, a, Mode::Live, &pay("https://a.example/live"), 9)
        .await
        .unwrap();
    assert_eq!(
        settings::get(db, a, Mode::Test, "Pay").await.unwrap().url,
        "https://a.example/pay"
    );
}

#[tokio::test]
async fn the_other_modes_notification_is_not_found_anywhere() {
    let t = fresh().await;
    let db = &t.db;
    let s = site(db, "modes").await;
    let id = enqueue(db, &note(s, None, "Pay", 1)).await;
    claim(db, 1, "w").await;
    assert!(
        notes::record_attempt(db, id, "w", 1, &failed(None))
            .await
            .unwrap()
    );
    let live = Mode::Live;
    assert!(notes::get(db, s, live, id).await.unwrap().is_none());
    assert!(notes::attempts(db, s, live, id).await.unwrap().is_empty());
    assert!(!notes::resend(db, s, live, id, 5).await.unwrap());
    let live_only = ListFilter {
        mode: Some(live),
        ..ListFilter::default()
    };
    assert!(notes::list(db, s, &live_only).await.unwrap().is_empty());
    assert_eq!(state(db, s, id).await, State::Failed, "untouched");
    let pending = enqueue(db, &note(s, None, "Pay", 2)).await;
    assert!(!notes::cancel(db, s, live, pending).await.unwrap());
    assert_eq!(state(db, s, pending).await, State::Pending);
    assert!(notes::resend(db, s, Mode::Test, id, 5).await.unwrap());
}
