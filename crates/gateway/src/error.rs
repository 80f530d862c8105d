//! Why a flow did not do what it was asked, in terms every face can render its own way.

use oblako_protocol::params::ParamError;

/// A flow's failure: refused (the caller's request cannot be done, and the message says why)
/// or broken on our side (the cause is for the log, never for the caller).
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// A bad parameter.
    #[error(transparent)]
    Invalid(#[from] ParamError),
    /// The request is refused; the message is the protocol's words for why.
    #[error("{0}")]
    Refused(String),
    /// Something broke on our side.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<oblako_store::StoreError> for FlowError {
    fn from(e: oblako_store::StoreError) -> FlowError {
        FlowError::Internal(e.into())
    }
}
