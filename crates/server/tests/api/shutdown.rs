//! Shutdown: one stop signal ends every background loop of a node (sweeper, delivery, messages,
//! receipts, billing, housekeeping), each after the round it is in.

use std::time::{Duration, Instant};

use oblako_server::app::spawn_workers;
use oblako_server::stop::Stop;

use crate::helpers::TestApp;

#[tokio::test]
async fn one_stop_signal_ends_every_background_loop() {
    let app = TestApp::new().await;
    let stop = Stop::new();
    let mut workers = spawn_workers(&app.state, &stop).unwrap();
    assert_eq!(
        workers.len(),
        6,
        "housekeeping, sweeper, delivery, messages, receipts, billing"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        workers.try_join_next().is_none(),
        "the loops run until the signal"
    );
    stop.cancel();
    let started = Instant::now();
    let stopped = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(done) = workers.join_next().await {
            done.expect("a loop ended on its own, not aborted or panicked");
        }
    });
    stopped.await.expect("every loop stopped after the signal");
    assert!(started.elapsed() < Duration::from_secs(10));
}
