//! Random sequences of payments, 3-D Secure results, confirms, voids, refunds, clock
//! moves and sweeps, run through the API and the sweeper and checked step by step against a
//! reference model of the money rules, including the void rule for
//! authorizations of 10 RUB or less (refused until more than 24 hours have passed, spec §3.6).
//! `PROPTEST_CASES` sets the number of sequences (1,000 by default, as CI runs it).

use std::sync::OnceLock;

use oblako_core::ids::{Mode, SiteId};
use oblako_server::payments::three_ds::issue_pa_res;
use oblako_server::sweeper::{Sweep, sweep_once};
use oblako_store::transactions;
use proptest::prelude::*;

use crate::helpers::TestApp;
use crate::payments::cryptogram;

const MINUTE: i64 = 60_000;
const HOLD: i64 = 7 * 24 * 60 * MINUTE;
const THREE_DS: i64 = 20 * MINUTE;
/// Authorizations of at most this many kopecks void only after more than `SMALL_VOID_WAIT`.
const SMALL_VOID_MAX: i64 = 1_000;
const SMALL_VOID_WAIT: i64 = 24 * 60 * MINUTE;
const VOID_TOO_SOON: &str =
    "Должно пройти больше 24 часов для отмены транзакции на 10 рублей либо меньше.";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Card {
    Plain,
    Funds,
    Secure,
    SecureFunds,
}

impl Card {
    fn number(self) -> &'static str {
        match self {
            Card::Plain => "4000000000003055",
            Card::Funds => "4000056655665556",
            Card::Secure => "4242424242424242",
            Card::SecureFunds => "4012888888881881",
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Pay {
        card: Card,
        two_stage: bool,
        amount: i64,
    },
    ThreeDs {
        which: usize,
        pass: bool,
    },
    Confirm {
        which: usize,
        amount: i64,
    },
    Void {
        which: usize,
    },
    Refund {
        which: usize,
        amount: i64,
    },
    Advance {
        minutes: i64,
    },
    Sweep,
}

fn op() -> impl Strategy<Value = Op> {
    let card = prop_oneof![
        Just(Card::Plain),
        Just(Card::Funds),
        Just(Card::Secure),
        Just(Card::SecureFunds)
    ];
    // Half the payments are 10 RUB or less (the boundary itself included), so small voids meet
    // both sides of the 24-hour rule: clock steps of minutes keep them inside it, steps of a day
    // (exactly 24 h too) to a week take them past it before the 7-day hold runs out.
    let amount = prop_oneof![
        1i64..=SMALL_VOID_MAX,
        Just(SMALL_VOID_MAX),
        Just(SMALL_VOID_MAX + 1),
        SMALL_VOID_MAX + 1..=5_000
    ];
    prop_oneof![
        3 => (card, any::<bool>(), amount).prop_map(|(card, two_stage, amount)| Op::Pay { card, two_stage, amount }),
        2 => (0usize..8, any::<bool>()).prop_map(|(which, pass)| Op::ThreeDs { which, pass }),
        2 => (0usize..8, 0i64..=6_000).prop_map(|(which, amount)| Op::Confirm { which, amount }),
        1 => (0usize..8).prop_map(|which| Op::Void { which }),
        3 => (0usize..8, 0i64..=3_000).prop_map(|(which, amount)| Op::Refund { which, amount }),
        1 => prop_oneof![1i64..=30, Just(24 * 60), 1_000i64..=11_000].prop_map(|minutes| Op::Advance { minutes }),
        1 => Just(Op::Sweep),
    ]
}

#[derive(Debug, Clone)]
struct Model {
    id: i64,
    card: Card,
    two_stage: bool,
    status: &'static str,
    amount: i64,
    captured: i64,
    refunded: i64,
    deadline: Option<i64>,
    authorized_at: Option<i64>,
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

fn app() -> &'static TestApp {
    static APP: OnceLock<TestApp> = OnceLock::new();
    APP.get_or_init(|| runtime().block_on(TestApp::new()))
}

fn money(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// Approves or declines as the emulated bank would, after 3-D Secure when there is one.
fn settle(m: &mut Model, approved: bool, now: i64) {
    if !approved {
        m.status = "Declined";
        m.deadline = None;
    } else if m.two_stage {
        m.status = "Authorized";
        m.deadline = Some(now + HOLD);
        m.authorized_at = Some(now);
    } else {
        m.status = "Completed";
        m.captured = m.amount;
        m.deadline = None;
    }
}

async fn step(app: &TestApp, models: &mut Vec<Model>, op: &Op) -> Result<(), String> {
    let now = app.state.now_ms();
    let pick = |which: usize| (!models.is_empty()).then(|| which % models.len());
    match *op {
        Op::Pay {
            card,
            two_stage,
            amount,
        } => {
            let packet = cryptogram(app, &app.site.test.public_id, card.number()).await;
            let path = if two_stage {
                "/payments/cards/auth"
            } else {
                "/payments/cards/charge"
            };
            let body = format!(
                r#"{{"Amount":{},"IpAddress":"1.1.1.1","CardCryptogramPacket":"{packet}"}}"#,
                money(amount)
            );
            let reply = app.post(path, &body).await.json();
            let id = reply["Model"]["TransactionId"]
                .as_i64()
                .ok_or(format!("no id: {reply}"))?;
            let mut m = Model {
                id,
                card,
                two_stage,
                status: "",
                amount,
                captured: 0,
                refunded: 0,
                deadline: None,
                authorized_at: None,
            };
            match card {
                Card::Secure | Card::SecureFunds => {
                    m.status = "AwaitingAuthentication";
                    m.deadline = Some(now + THREE_DS);
                }
                Card::Plain => settle(&mut m, true, now),
                Card::Funds => settle(&mut m, false, now),
            }
            let expect_success = matches!(m.status, "Authorized" | "Completed");
            if reply["Success"].as_bool() != Some(expect_success) {
                return Err(format!("pay {m:?}: {reply}"));
            }
            models.push(m);
        }
        Op::ThreeDs { which, pass } => {
            let Some(i) = pick(which) else { return Ok(()) };
            let m = &mut models[i];
            let pa_res = issue_pa_res(&app.state.secrets, m.id, pass, now + THREE_DS);
            let reply = app
                .post(
                    "/payments/cards/post3ds",
                    &format!(r#"{{"TransactionId":{},"PaRes":"{pa_res}"}}"#, m.id),
                )
                .await
                .json();
            if m.status != "AwaitingAuthentication" {
                if reply["Message"] != "Transaction is not awaiting 3-D Secure authentication" {
                    return Err(format!("post3ds on {m:?}: {reply}"));
                }
            } else if pass && m.deadline.is_some_and(|d| now <= d) {
                settle(m, m.card == Card::Secure, now);
            } else {
                m.status = "Declined";
                m.deadline = None;
            }
        }
        Op::Confirm { which, amount } => {
            let Some(i) = pick(which) else { return Ok(()) };
            let m = &mut models[i];
            let reply = app
                .post(
                    "/payments/confirm",
                    &format!(
                        r#"{{"TransactionId":{},"Amount":{}}}"#,
                        m.id,
                        money(amount.max(1))
                    ),
                )
                .await
                .json();
            let ok = m.status == "Authorized" && amount.max(1) <= m.amount;
            if reply["Success"].as_bool() != Some(ok) {
                return Err(format!("confirm {amount} on {m:?}: {reply}"));
            }
            if ok {
                m.status = "Completed";
                m.captured = amount.max(1);
                m.deadline = None;
            }
        }
        Op::Void { which } => {
            let Some(i) = pick(which) else { return Ok(()) };
            let m = &mut models[i];
            let reply = app
                .post(
                    "/payments/void",
                    &format!(r#"{{"TransactionId":{}}}"#, m.id),
                )
                .await
                .json();
            // Every payment here is in RUB.
            let too_soon = m.amount <= SMALL_VOID_MAX
                && m.authorized_at
                    .is_some_and(|at| now - at <= SMALL_VOID_WAIT);
            let ok = m.status == "Authorized" && !too_soon;
            if reply["Success"].as_bool() != Some(ok) {
                return Err(format!("void at {now} on {m:?}: {reply}"));
            }
            if m.status == "Authorized" && too_soon && reply["Message"] != VOID_TOO_SOON {
                return Err(format!("void too soon on {m:?}: {reply}"));
            }
            if ok {
                m.status = "Cancelled";
                m.deadline = None;
            }
        }
        Op::Refund { which, amount } => {
            let Some(i) = pick(which) else { return Ok(()) };
            let m = &mut models[i];
            let amount = amount.max(1);
            let reply = app
                .post(
                    "/payments/refund",
                    &format!(r#"{{"TransactionId":{},"Amount":{}}}"#, m.id, money(amount)),
                )
                .await
                .json();
            let ok = m.status == "Completed" && amount <= m.captured - m.refunded;
            if reply["Success"].as_bool() != Some(ok) {
                return Err(format!("refund {amount} on {m:?}: {reply}"));
            }
            if ok {
                m.refunded += amount;
            }
        }
        Op::Advance { minutes } => app.clock.advance_millis(minutes * MINUTE),
        Op::Sweep => {
            sweep_once(&app.state).await.map_err(|e| e.to_string())?;
            for m in models.iter_mut() {
                if m.deadline.is_some_and(|d| d <= now) {
                    m.status = "Cancelled";
                    m.deadline = None;
                }
            }
        }
    }
    Ok(())
}

async fn agree(app: &TestApp, models: &[Model]) -> Result<(), String> {
    let site = SiteId(app.site.site_id);
    for m in models {
        let row = transactions::get(&app.state.db, site, Mode::Test, m.id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("missing")?;
        if (row.status.as_str(), row.captured, row.refunded) != (m.status, m.captured, m.refunded) {
            return Err(format!(
                "stored {} {} {} vs model {m:?}",
                row.status.as_str(),
                row.captured,
                row.refunded
            ));
        }
        if row.refunded > row.captured || row.captured > row.amount {
            return Err(format!("money invariant broken: {row:?}"));
        }
    }
    Ok(())
}

async fn run(app: &TestApp, ops: Vec<Op>) -> Result<(), String> {
    // Every sequence starts at the same instant (the previous one left nothing due).
    app.clock.set(crate::helpers::start_time());
    let mut models = Vec::new();
    for (n, op) in ops.iter().enumerate() {
        step(app, &mut models, op)
            .await
            .map_err(|e| format!("step {n} {op:?}: {e}"))?;
        agree(app, &models)
            .await
            .map_err(|e| format!("after step {n} {op:?}: {e}"))?;
    }
    // Leave nothing due for the next sequence.
    app.clock.advance_millis(30 * 24 * 60 * MINUTE);
    while sweep_once(&app.state).await.map_err(|e| e.to_string())? != Sweep::default() {}
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(1_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn money_rules_hold_for_any_sequence(ops in proptest::collection::vec(op(), 1..40)) {
        let app = app();
        let outcome = runtime().block_on(run(app, ops));
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }
}
