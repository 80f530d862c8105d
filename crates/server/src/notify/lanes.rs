//! How many notification attempts run at once on this node: [`Lanes`] holds the node-wide slots
//! and a count per receiver (an endpoint: scheme, host and port), so one slow or hanging
//! receiver holds at most `per_endpoint` slots and never delays other merchants' notifications
//! (issue 4, HOOK-7).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::outbound::Url;

/// The node's attempt slots and what each endpoint holds of them.
#[derive(Debug, Clone)]
pub struct Lanes {
    slots: Arc<Semaphore>,
    parallel: usize,
    per_endpoint: usize,
    busy: Arc<Mutex<HashMap<String, usize>>>,
}

/// One running attempt's slot; dropping it frees the slot and the endpoint's count.
#[derive(Debug)]
pub struct Lane {
    _slot: OwnedSemaphorePermit,
    endpoint: String,
    busy: Arc<Mutex<HashMap<String, usize>>>,
}

impl Lanes {
    /// `parallel` attempts at once in all, at most `per_endpoint` of them to one endpoint.
    pub fn new(parallel: usize, per_endpoint: usize) -> Lanes {
        Lanes {
            slots: Arc::new(Semaphore::new(parallel)),
            parallel,
            per_endpoint: per_endpoint.clamp(1, parallel),
            busy: Arc::default(),
        }
    }

    /// Slots free right now.
    pub fn free(&self) -> usize {
        self.slots.available_permits()
    }

    /// A lane for an attempt at `url`, once a node-wide slot is free; `None` at once when its
    /// endpoint already has `per_endpoint` attempts running.
    pub async fn enter(&self, url: &str) -> anyhow::Result<Option<Lane>> {
        let endpoint = endpoint_of(url);
        {
            let mut busy = self
                .busy
                .lock()
                .map_err(|_| anyhow::anyhow!("lanes poisoned"))?;
            let count = busy.entry(endpoint.clone()).or_insert(0);
            if *count >= self.per_endpoint {
                return Ok(None);
            }
            *count += 1;
        }
        // The count is taken first, so the lane below gives it back even if this fails.
        let lane = Lane {
            _slot: match self.slots.clone().acquire_owned().await {
                Ok(slot) => slot,
                Err(e) => {
                    release(&self.busy, &endpoint);
                    return Err(e.into());
                }
            },
            endpoint,
            busy: self.busy.clone(),
        };
        Ok(Some(lane))
    }

    /// Waits until no attempt is running.
    pub async fn idle(&self) -> anyhow::Result<()> {
        let _all = self.slots.acquire_many(self.parallel as u32).await?;
        Ok(())
    }
}

impl Drop for Lane {
    fn drop(&mut self) {
        release(&self.busy, &self.endpoint);
    }
}

fn release(busy: &Mutex<HashMap<String, usize>>, endpoint: &str) {
    let Ok(mut busy) = busy.lock() else { return };
    if let Some(count) = busy.get_mut(endpoint) {
        *count = count.saturating_sub(1);
        if *count == 0 {
            busy.remove(endpoint);
        }
    }
}

/// `scheme://host:port` of `url` (the URL itself when it does not parse: it fails on its own).
pub fn endpoint_of(url: &str) -> String {
    match Url::parse(url) {
        Ok(u) => format!(
            "{}://{}:{}",
            u.scheme(),
            u.host_str().unwrap_or_default(),
            u.port_or_known_default().unwrap_or_default()
        ),
        Err(_) => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_scheme_host_and_port() {
        assert_eq!(
            endpoint_of("https://shop.example/hooks/pay?x=1"),
            "https://shop.example:443"
        );
        assert_eq!(
            endpoint_of("http://SHOP.example:8080/a"),
            "http://shop.example:8080"
        );
        assert_eq!(endpoint_of("not a url"), "not a url");
    }

    #[tokio::test]
    async fn an_endpoint_gets_at_most_its_share_and_gets_it_back() {
        let lanes = Lanes::new(4, 2);
        let a1 = lanes.enter("http://a/1").await.unwrap().unwrap();
        let _a2 = lanes.enter("http://a/2").await.unwrap().unwrap();
        assert!(
            lanes.enter("http://a/3").await.unwrap().is_none(),
            "a is full"
        );
        let _b = lanes.enter("http://b/1").await.unwrap().unwrap();
        assert_eq!(lanes.free(), 1);
        drop(a1);
        assert!(lanes.enter("http://a/3").await.unwrap().is_some());
    }
}
