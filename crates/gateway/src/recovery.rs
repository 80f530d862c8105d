//! Idempotency recovery as the flows see it: the claimed key, whose record joins the commit that
//! creates a transaction, and the transaction a dead earlier copy of the same request left.
//! Claiming and replaying keys is the faces' business.

use oblako_core::ids::{Mode, SiteId};
use oblako_store::idempotency::{self, KeyRef};
use oblako_store::{StoreError, Tx};

/// What a flow needs to keep a retry from repeating it: the claimed key, to record the
/// transaction it creates in the same commit, and the transaction a dead earlier copy of the
/// same request left, to finish instead of starting again.
#[derive(Debug, Clone, Default)]
pub struct Recovery {
    key: Option<(SiteId, Mode, String)>,
    /// The transaction to resume, if an earlier copy of this request created one.
    pub resume: Option<i64>,
}

impl Recovery {
    /// A request that claimed `key` of `site` in `mode`; `resume` is what an earlier copy left.
    pub fn claimed(site: SiteId, mode: Mode, key: String, resume: Option<i64>) -> Recovery {
        Recovery {
            key: Some((site, mode, key)),
            resume,
        }
    }

    /// Whether the request carries an idempotency key, whose record must join the commit that
    /// creates the transaction.
    pub fn is_keyed(&self) -> bool {
        self.key.is_some()
    }

    /// Records `transaction_id` as this request's recovery point, inside `tx`.
    pub async fn attach(&self, tx: &mut Tx, transaction_id: i64) -> Result<(), StoreError> {
        match &self.key {
            Some((site, mode, key)) => {
                idempotency::attach(
                    tx,
                    KeyRef {
                        site: *site,
                        mode: *mode,
                        key,
                    },
                    transaction_id,
                )
                .await
            }
            None => Ok(()),
        }
    }
}
