//! How a row's text column becomes a core type: a field marked
//! `#[sqlx(try_from = "Spelled<Status>")]` is read as text and turned into the core type by its
//! `TryFrom<String>` (`oblako_core::stored`). A spelling no core type knows fails the read with
//! that type's words ("unknown payment status \"Paid\""), naming the column.

use oblako_core::ids::Mode;
use oblako_core::money::Currency;
use oblako_core::order::OrderStatus;
use oblako_core::payment::{Kind, Stage, Status};
use oblako_core::stored::UnknownSpelling;
use oblako_core::subscription::{Interval, Status as SubscriptionStatus};
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Type};

/// A core value read from its stored spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spelled<T>(pub T);

impl<DB: Database, T> Type<DB> for Spelled<T>
where
    String: Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <String as Type<DB>>::type_info()
    }

    fn compatible(ty: &DB::TypeInfo) -> bool {
        <String as Type<DB>>::compatible(ty)
    }
}

impl<'r, DB: Database, T> Decode<'r, DB> for Spelled<T>
where
    String: Decode<'r, DB>,
    T: TryFrom<String, Error = UnknownSpelling>,
{
    fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <String as Decode<'r, DB>>::decode(value)?;
        Ok(Spelled(T::try_from(text)?))
    }
}

macro_rules! unwrap_spelled {
    ($($type:ty),* $(,)?) => {$(
        impl From<Spelled<$type>> for $type {
            fn from(spelled: Spelled<$type>) -> $type {
                spelled.0
            }
        }
    )*};
}

unwrap_spelled!(
    Status,
    Stage,
    Kind,
    Mode,
    Currency,
    Interval,
    SubscriptionStatus,
    OrderStatus
);
