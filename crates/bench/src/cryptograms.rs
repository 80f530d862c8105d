//! Card cryptograms for the card scenarios. They are made before the timed run by the gateway's
//! own `oblako cryptogram` command, one process per packet, with the public key fetched from the
//! gateway under load, so the packets are exactly what a merchant's checkout would send.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use tokio::process::Command;
use tokio::task::JoinSet;

/// The emulated bank approves this card, without 3-D Secure, by card and by token.
pub const CARD: &str = "4000000000003055";
const EXPIRY: &str = "12/30";
const CVV: &str = "123";
/// Processes at a time: each spends most of its life starting up and in one HTTP round trip.
const PARALLEL: usize = 4;
/// A process that takes longer than this is killed and the run stops.
const PROCESS_TIMEOUT: Duration = Duration::from_secs(30);

/// Makes `count` cryptograms of [`CARD`] for `public_id` with `oblako_bin`.
pub async fn make(
    oblako_bin: &Path,
    base: &str,
    public_id: &str,
    count: usize,
) -> anyhow::Result<Vec<String>> {
    let mut pool = Vec::with_capacity(count);
    let mut running = JoinSet::new();
    let mut started = 0;
    while pool.len() < count {
        while started < count && running.len() < PARALLEL {
            running.spawn(one(
                oblako_bin.to_path_buf(),
                base.to_owned(),
                public_id.to_owned(),
            ));
            started += 1;
        }
        match running.join_next().await {
            Some(made) => pool.push(made.context("a cryptogram task failed")??),
            None => break,
        }
    }
    Ok(pool)
}

async fn one(oblako_bin: PathBuf, base: String, public_id: String) -> anyhow::Result<String> {
    let mut command = Command::new(&oblako_bin);
    command
        .args(["cryptogram", "--public-id", &public_id, "--card", CARD])
        .args(["--exp", EXPIRY, "--cvv", CVV, "--base-url", &base])
        .stdin(Stdio::null())
        .kill_on_drop(true);
    // The key is fetched from `base`, a loopback address: never through a proxy.
    for proxy in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        command.env_remove(proxy);
    }
    let output = tokio::time::timeout(PROCESS_TIMEOUT, command.output())
        .await
        .with_context(|| format!("{} cryptogram timed out", oblako_bin.display()))?
        .with_context(|| format!("cannot run {} (see --oblako-bin)", oblako_bin.display()))?;
    if !output.status.success() {
        bail!(
            "{} cryptogram failed ({}): {}",
            oblako_bin.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let packet = String::from_utf8(output.stdout)
        .context("oblako cryptogram printed something that is not UTF-8")?
        .trim()
        .to_owned();
    ensure!(!packet.is_empty(), "oblako cryptogram printed nothing");
    Ok(packet)
}
