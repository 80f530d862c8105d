//! Pooled connections are checked only after sitting idle (`db::ping_if_idle`); one the server
//! closed meanwhile is replaced, never handed out.

use std::time::Duration;

use oblako_store::Db;
use sqlx::{Connection, PgConnection};

use super::fresh;

#[tokio::test]
async fn an_idle_connection_the_server_closed_is_replaced_before_use() {
    let test = fresh().await;
    // SQLite's connections are in-process files: nothing to close under them.
    let Db::Postgres(oblako_store::PgDb { pool, .. }) = &test.db else {
        return;
    };
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(pool.acquire().await.unwrap());
    }
    let mut pids = Vec::new();
    for conn in &mut held {
        let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        pids.push(pid);
    }
    drop(held);
    let mut admin = PgConnection::connect_with(&pool.connect_options())
        .await
        .unwrap();
    for pid in &pids {
        sqlx::query("SELECT pg_terminate_backend($1)")
            .bind(pid)
            .execute(&mut admin)
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    for _ in 0..8 {
        test.db
            .ping()
            .await
            .expect("a connection the server closed was used");
    }
}
