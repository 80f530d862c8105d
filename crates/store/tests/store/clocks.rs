//! Test clocks in the store: offsets only grow, production sites have none, and the lease queue
//! finds a row due on its own site's clock.

use oblako_store::messages::{self, NewMessage};
use oblako_store::{clocks, sites};

use super::{fresh, site};

fn message(site: oblako_core::ids::SiteId, at: i64) -> NewMessage<'static> {
    NewMessage {
        site: Some(site),
        channel: "email",
        recipient: "payer@example.com",
        subject: "s",
        html: "<p>x</p>",
        text: "x",
        reference: "clock",
        created_at: at,
    }
}

#[tokio::test]
async fn offsets_only_grow_and_production_sites_have_none() {
    let t = fresh().await;
    let db = &t.db;
    let (a, live) = (site(db, "ca").await, site(db, "cl").await);
    assert_eq!(clocks::offset(db, a).await.unwrap(), 0);
    assert_eq!(
        clocks::advance_to(db, a, 5_000, 1).await.unwrap(),
        Some(5_000)
    );
    assert_eq!(
        clocks::advance_to(db, a, 3_000, 2).await.unwrap(),
        Some(5_000),
        "never back"
    );
    assert_eq!(clocks::offset(db, a).await.unwrap(), 5_000);
    assert!(sites::go_live(db, live, 3).await.unwrap());
    assert_eq!(clocks::advance_to(db, live, 1_000, 4).await.unwrap(), None);
    assert_eq!(clocks::offsets(db).await.unwrap(), vec![(a, 5_000)]);
    assert!(sites::go_live(db, a, 5).await.unwrap());
    assert!(
        clocks::offsets(db).await.unwrap().is_empty(),
        "going live stops the clock"
    );
}

#[tokio::test]
async fn a_queued_row_is_due_on_its_own_sites_clock() {
    let t = fresh().await;
    let db = &t.db;
    let (ahead, behind) = (site(db, "qa").await, site(db, "qb").await);
    let mut tx = db.begin_write().await.unwrap();
    let early = messages::enqueue(&mut tx, &message(ahead, 50_000))
        .await
        .unwrap();
    let other = messages::enqueue(&mut tx, &message(behind, 50_000))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let claim = |now| messages::claim_due(db, now, 60_000, "w", 10);
    assert!(claim(1_000).await.unwrap().is_empty(), "nothing due yet");
    clocks::advance_to(db, ahead, 49_000, 1_000).await.unwrap();
    let ids: Vec<i64> = claim(1_000).await.unwrap().iter().map(|m| m.id).collect();
    assert_eq!(
        ids,
        vec![early],
        "due on its site's clock, the other site not"
    );
    let ids: Vec<i64> = claim(50_000).await.unwrap().iter().map(|m| m.id).collect();
    assert_eq!(
        ids,
        vec![other],
        "the lease on the first still runs on the wall clock"
    );
}
