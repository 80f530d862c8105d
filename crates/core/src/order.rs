//! Orders (payment links): where one is in its life. The wire model that shows it is in
//! `oblako-protocol`; the store keeps the name and decodes it back through `core::stored`.

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    /// Waiting for the payer.
    Created,
    /// Paid once; never paid again.
    Paid,
    /// Withdrawn by the merchant before it was paid.
    Cancelled,
}

impl OrderStatus {
    /// The model's `Status`, also the stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Created => "Created",
            OrderStatus::Paid => "Paid",
            OrderStatus::Cancelled => "Cancelled",
        }
    }

    /// The model's `StatusCode`.
    pub fn code(self) -> i32 {
        match self {
            OrderStatus::Created => 0,
            OrderStatus::Paid => 1,
            OrderStatus::Cancelled => 2,
        }
    }

    /// The status a stored name spells.
    pub fn parse(name: &str) -> Option<OrderStatus> {
        [
            OrderStatus::Created,
            OrderStatus::Paid,
            OrderStatus::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}
