//! `oblako-bench`: a bounded load generator for the gateway's payment API. It drives one
//! scenario over real HTTP against a gateway on a loopback address, after an untimed warm-up,
//! and prints counts, throughput and latency percentiles as plain lines or one JSON object.
//! One scenario, stripe-intent, drives a fake Stripe instead (localstripe), to compare with.
//!
//! Exit status: 0 when no operation failed (HTTP 429s are counted, not failures) and at least one
//! succeeded; 1 when the report shows failures or no success; 2 when no run could be made.

mod cryptograms;
mod deliveries;
mod gateway;
mod load;
mod receiver;
mod renewals;
mod report;
mod scenario;
mod stripe;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

use crate::gateway::{Auth, Gateway};
use crate::load::Bounds;
use crate::report::Summary;
use crate::scenario::{Scenario, Workload};

/// Load the gateway's payment API on loopback, within a request budget and a time limit.
#[derive(Debug, Parser)]
#[command(
    name = "oblako-bench",
    version,
    after_help = "Exit status: 0 clean, 1 failed operations or no success, 2 no run."
)]
struct Args {
    /// The gateway's base URL (the peer's for stripe-intent); must be a loopback address, e.g.
    /// http://127.0.0.1:8080.
    #[arg(long)]
    base_url: String,
    /// The site's Public ID; required except for stripe-intent.
    #[arg(long)]
    public_id: Option<String>,
    /// The site's API Secret; required except for stripe-intent, which sends `sk_test_bench`.
    #[arg(long, env = "OBLAKO_BENCH_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// What to repeat.
    #[arg(long, value_enum)]
    scenario: Scenario,
    /// Operations in flight at once. Test keys admit 5 requests in flight per site (429 beyond).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=1024))]
    concurrency: u16,
    /// Operations in the timed run (an auth-confirm or stripe-intent pair is one).
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..))]
    requests: u64,
    /// Time limit of the timed run, and of the warm-up, in seconds.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    duration_secs: u64,
    /// The `oblako` binary that makes cryptograms.
    #[arg(long, default_value = "target/release/oblako")]
    oblako_bin: PathBuf,
    /// Operations before the timed run, not counted.
    #[arg(long, default_value_t = 500)]
    warmup: u64,
    /// Cryptograms made for the card scenarios, used in turn.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u16).range(1..))]
    cryptograms: u16,
    /// Timeout of each HTTP request, in seconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    timeout_secs: u64,
    /// Offer this many operations per second (open loop; --concurrency caps those in flight).
    /// Without it, each worker starts its next operation as soon as the last one ends.
    #[arg(long, value_parser = positive_rate)]
    rate: Option<f64>,
    /// renewals: accounts the subscriptions are spread over, one token each.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    accounts: u64,
    /// renewals: seconds from the start of the creation to the subscriptions' StartDate.
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(5..=3600))]
    lead_secs: u64,
    /// Print one JSON object instead of lines.
    #[arg(long)]
    json: bool,
}

fn positive_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && (0.1..=1_000_000.0).contains(&rate) => Ok(rate),
        _ => Err(format!(
            "{text:?} is not a rate between 0.1 and 1000000 per second"
        )),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    // One thread: the gateway under test usually shares the machine, and a few hundred requests
    // in flight are well within what one thread can drive.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("oblako-bench: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(bench(args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("oblako-bench: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Prepares, warms up, runs and reports; `false` when an operation failed or none succeeded.
async fn bench(args: Args) -> anyhow::Result<bool> {
    let base = gateway::loopback_base(&args.base_url)?;
    let concurrency = usize::from(args.concurrency);
    let auth = if args.scenario == Scenario::StripeIntent {
        Auth::Bearer(stripe::KEY.to_owned())
    } else {
        let name = args.scenario.name();
        Auth::Site {
            public_id: args
                .public_id
                .with_context(|| format!("{name} needs --public-id"))?,
            secret: args
                .secret
                .with_context(|| format!("{name} needs --secret or OBLAKO_BENCH_SECRET"))?,
        }
    };
    let gateway = Arc::new(Gateway::new(
        base,
        auth,
        concurrency,
        Duration::from_secs(args.timeout_secs),
    )?);
    let workload = Arc::new(
        Workload::prepare(
            args.scenario,
            &gateway,
            &args.oblako_bin,
            usize::from(args.cryptograms),
        )
        .await?,
    );
    let duration = Duration::from_secs(args.duration_secs);
    if args.scenario == Scenario::Renewals {
        let plan = renewals::Plan {
            subscriptions: args.requests,
            accounts: args.accounts.min(args.requests),
            concurrency,
            lead: Duration::from_secs(args.lead_secs),
            limit: duration,
        };
        let packets = Arc::into_inner(workload)
            .map(|w| w.packets)
            .unwrap_or_default();
        let report = renewals::run(gateway, packets, plan).await?;
        if args.json {
            println!("{}", report.json());
        } else {
            print!("{}", report.text());
        }
        return Ok(report.clean());
    }
    if args.warmup > 0 {
        eprintln!("warm-up: {} operation(s)", args.warmup);
        let bounds = Bounds {
            ops: args.warmup,
            duration,
            rate: args.rate,
        };
        load::run(
            args.scenario,
            workload.clone(),
            gateway.clone(),
            concurrency,
            bounds,
        )
        .await?;
    }
    let bounds = Bounds {
        ops: args.requests,
        duration,
        rate: args.rate,
    };
    // Only the timed run's notifications are measured.
    if let Ok(mut sent) = workload.sent.lock() {
        sent.clear();
    }
    let started = std::time::Instant::now();
    let (sample, elapsed) = load::run(
        args.scenario,
        workload.clone(),
        gateway,
        concurrency,
        bounds,
    )
    .await?;
    let delivery = match &workload.receiver {
        Some(receiver) => {
            let sent = workload
                .sent
                .lock()
                .map(|sent| sent.clone())
                .unwrap_or_default();
            let ended = started + elapsed;
            Some(deliveries::measure(receiver, &sent, started, ended, duration).await)
        }
        None => None,
    };
    if sample.ops.http_429 > 0 && args.scenario != Scenario::StripeIntent {
        eprintln!(
            "note: HTTP 429 means the site's in-flight limit was reached (5 requests on test \
             keys, 30 on live keys, per node); on a test site use --concurrency 5 or less"
        );
    }
    let clean = sample.ops.errors == 0
        && sample.ops.ok > 0
        && delivery.as_ref().is_none_or(|d| d.complete());
    let summary = Summary {
        scenario: args.scenario.name(),
        concurrency,
        elapsed,
        ops: sample.ops,
        calls: args
            .scenario
            .calls()
            .iter()
            .copied()
            .zip(sample.calls)
            .collect(),
        offered: args.rate.map(|rate| (rate, sample.late, sample.max_late)),
    };
    if args.json {
        let mut object = summary.json();
        if let Some(delivery) = &delivery {
            object["notifications"] = delivery.json();
        }
        println!("{object}");
    } else {
        print!("{}", summary.text());
        if let Some(delivery) = &delivery {
            print!("{}", delivery.text());
        }
    }
    Ok(clean)
}
