//! SQLite's group-commit writer, on a real SQLite file whatever backend the run picks (the
//! writer exists only for SQLite): concurrent writers share commits, a dropped member leaves its
//! batch intact, a broken batch fails all its members, and a held connection times out.

use std::time::Duration;

use oblako_store::{Db, DbOptions, StoreError, Tx, on_tx};

async fn sqlite(busy_timeout: Duration) -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("w.db").display());
    let options = DbOptions {
        busy_timeout,
        ..DbOptions::default()
    };
    let db = Db::connect(&url, &options).await.unwrap();
    db.migrate().await.unwrap();
    (dir, db)
}

fn stats(db: &Db) -> oblako_store::writer::WriterStats {
    let Db::Sqlite(sqlite) = db else {
        unreachable!("sqlite() makes SQLite")
    };
    sqlite.writer.stats()
}

async fn insert(tx: &mut Tx, name: &str) {
    on_tx!(tx, c => sqlx::query("INSERT INTO accounts (name, created_at) VALUES ($1, 0)")
        .bind(name).execute(&mut **c).await.map(|_| ()))
    .unwrap();
}

async fn names(db: &Db) -> Vec<String> {
    oblako_store::on_db!(db, pool => sqlx::query_scalar("SELECT name FROM accounts ORDER BY name")
        .fetch_all(pool).await)
    .unwrap()
}

/// Waits until `n` transactions queue for the connection.
async fn queued(db: &Db, n: usize) {
    for _ in 0..1000 {
        if stats(db).waiting >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("nobody queued");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_share_commits_and_all_persist() {
    let (_dir, db) = sqlite(Duration::from_secs(5)).await;
    let before = stats(&db);
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut tx = db.begin_write().await.unwrap();
                insert(&mut tx, &format!("w{i:03}")).await;
                tx.commit().await.unwrap();
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(names(&db).await.len(), 200);
    let after = stats(&db);
    let (batches, members) = (
        after.batches - before.batches,
        after.members - before.members,
    );
    assert_eq!(members, 200);
    assert!(
        batches < 100,
        "200 concurrent writers took {batches} commits: no grouping"
    );
}

#[tokio::test]
async fn a_dropped_member_is_rolled_back_and_its_batch_still_commits() {
    let (_dir, db) = sqlite(Duration::from_secs(5)).await;
    let mut first = db.begin_write().await.unwrap();
    insert(&mut first, "kept").await;
    let second = tokio::spawn({
        let db = db.clone();
        async move {
            let mut tx = db.begin_write().await.unwrap();
            insert(&mut tx, "dropped").await;
            drop(tx);
        }
    });
    queued(&db, 1).await;
    // Someone is queued, so `first` hands the open batch on and waits for it to end.
    tokio::time::timeout(Duration::from_secs(5), first.commit())
        .await
        .expect("the batch ended")
        .unwrap();
    second.await.unwrap();
    assert_eq!(names(&db).await, ["kept"]);
    // The connection is usable afterwards.
    let mut tx = db.begin_write().await.unwrap();
    insert(&mut tx, "later").await;
    tx.commit().await.unwrap();
    assert_eq!(names(&db).await, ["kept", "later"]);
}

#[tokio::test]
async fn a_broken_batch_fails_every_member_and_keeps_nothing() {
    let (_dir, db) = sqlite(Duration::from_secs(5)).await;
    let mut first = db.begin_write().await.unwrap();
    insert(&mut first, "first").await;
    let second = tokio::spawn({
        let db = db.clone();
        async move {
            let mut tx = db.begin_write().await.unwrap();
            insert(&mut tx, "second").await;
            // What SQLite does on its own after some I/O errors: the whole transaction goes.
            on_tx!(&mut tx, c => sqlx::raw_sql("ROLLBACK").execute(&mut **c).await.map(|_| ()))
                .unwrap();
            tx.commit().await
        }
    });
    queued(&db, 1).await;
    let first = first.commit().await;
    let second = second.await.unwrap();
    assert!(
        matches!(first, Err(StoreError::BatchFailed(_))),
        "{first:?}"
    );
    assert!(second.is_err(), "{second:?}");
    assert!(names(&db).await.is_empty());
    let mut tx = db.begin_write().await.unwrap();
    insert(&mut tx, "after").await;
    tx.commit().await.unwrap();
    assert_eq!(names(&db).await, ["after"]);
}

#[tokio::test]
async fn a_writer_held_too_long_times_the_next_one_out() {
    let (_dir, db) = sqlite(Duration::from_millis(200)).await;
    let held = db.begin_write().await.unwrap();
    let err = db.begin_write().await.unwrap_err();
    assert!(matches!(err, StoreError::Busy(_)), "{err}");
    held.commit().await.unwrap();
    db.begin_write().await.unwrap().commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_cancelled_at_any_point_leave_the_connection_usable() {
    // A request future can be dropped at any await (a client that disconnects): in `begin`,
    // between statements, in `commit`, while waiting for the batch. Whatever was cut off, the
    // next writers work, and every write whose commit returned Ok is there.
    let (_dir, db) = sqlite(Duration::from_secs(5)).await;
    for round in 0..30u64 {
        let tasks: Vec<_> = (0..40u64)
            .map(|i| {
                let db = db.clone();
                let name = format!("r{round:02}w{i:02}");
                let task = tokio::spawn(async move {
                    let mut tx = db.begin_write().await?;
                    insert(&mut tx, &name).await;
                    tx.commit().await.map(|()| name)
                });
                let abort = task.abort_handle();
                // Cut every other one off after a few dozen microseconds, at whatever await it is.
                if i % 2 == 0 {
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_micros((i * 37 + round * 11) % 400))
                            .await;
                        abort.abort();
                    });
                }
                task
            })
            .collect();
        let mut acknowledged = vec![];
        for task in tasks {
            match task.await {
                Ok(Ok(name)) => acknowledged.push(name),
                Ok(Err(StoreError::BatchFailed(_))) | Err(_) => {}
                Ok(Err(e)) => panic!("round {round}: a writer failed with {e}"),
            }
        }
        let stored = names(&db).await;
        for name in &acknowledged {
            assert!(
                stored.contains(name),
                "round {round}: {name} was acknowledged but lost"
            );
        }
        let mut tx = db
            .begin_write()
            .await
            .unwrap_or_else(|e| panic!("round {round}: the connection is broken: {e}"));
        insert(&mut tx, &format!("check{round:02}")).await;
        tx.commit()
            .await
            .unwrap_or_else(|e| panic!("round {round}: the connection is broken: {e}"));
    }
}
