//! The merchant's staff: roles, what each role may do, and the password policy.
//!
//! Every cabinet action is an [`Action`]; [`Role::allows`] is the one table that says which roles
//! may take it, and the server asks it for every request. [`check_password`] is the policy a new
//! password must pass before it is hashed.

mod password;

pub use password::{PasswordProblem, check_password};

/// A staff member's role within one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything, including users and the production switch.
    Owner,
    /// Everything but users and the production switch.
    Admin,
    /// Keys, notification settings, logs and test payments; no money actions.
    Developer,
    /// Reads and exports.
    Accountant,
    /// Reads, confirms, voids and refunds, manages subscriptions and orders.
    Support,
    /// Reads.
    Viewer,
}

/// Something a staff member does in the cabinet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See sites, transactions and their pages.
    Read,
    /// Read the system log.
    ReadLog,
    /// Export the transaction list.
    Export,
    /// Create and rename sites, change their options.
    EditSites,
    /// Rotate API Secrets.
    RotateKeys,
    /// Change notification settings, send a test webhook, resend a notification.
    EditNotifications,
    /// Confirm, void or refund a payment.
    MoveMoney,
    /// Switch a site to production.
    GoLive,
    /// Invite users, change roles, disable users, require two-factor sign-in.
    ManageUsers,
    /// Cancel a subscription, change its amount, schedule or MaxPeriods.
    ManageSubscriptions,
    /// Create an order (a payment link), resend its link, cancel it.
    ManageOrders,
}

impl Action {
    /// Every action, for tables and tests.
    pub const ALL: [Action; 11] = [
        Action::Read,
        Action::ReadLog,
        Action::Export,
        Action::EditSites,
        Action::RotateKeys,
        Action::EditNotifications,
        Action::MoveMoney,
        Action::GoLive,
        Action::ManageUsers,
        Action::ManageSubscriptions,
        Action::ManageOrders,
    ];
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 6] = [
        Role::Owner,
        Role::Admin,
        Role::Developer,
        Role::Accountant,
        Role::Support,
        Role::Viewer,
    ];

    /// Whether this role may take `action`.
    pub fn allows(self, action: Action) -> bool {
        use Action::*;
        match self {
            Role::Owner => true,
            Role::Admin => !matches!(action, GoLive | ManageUsers),
            Role::Developer => matches!(
                action,
                Read | ReadLog | EditSites | RotateKeys | EditNotifications
            ),
            Role::Accountant => matches!(action, Read | ReadLog | Export),
            Role::Support => matches!(
                action,
                Read | MoveMoney | ManageSubscriptions | ManageOrders
            ),
            Role::Viewer => matches!(action, Read),
        }
    }

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Developer => "developer",
            Role::Accountant => "accountant",
            Role::Support => "support",
            Role::Viewer => "viewer",
        }
    }

    /// The role spelled `text`, if any.
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matrix_matches_the_issue() {
        use Action::*;
        let allowed = |role: Role| -> Vec<Action> {
            Action::ALL
                .into_iter()
                .filter(|a| role.allows(*a))
                .collect()
        };
        assert_eq!(allowed(Role::Owner), Action::ALL.to_vec());
        assert_eq!(
            allowed(Role::Admin),
            vec![
                Read,
                ReadLog,
                Export,
                EditSites,
                RotateKeys,
                EditNotifications,
                MoveMoney,
                ManageSubscriptions,
                ManageOrders
            ]
        );
        assert_eq!(
            allowed(Role::Developer),
            vec![Read, ReadLog, EditSites, RotateKeys, EditNotifications]
        );
        assert_eq!(allowed(Role::Accountant), vec![Read, ReadLog, Export]);
        assert_eq!(
            allowed(Role::Support),
            vec![Read, MoveMoney, ManageSubscriptions, ManageOrders]
        );
        assert_eq!(allowed(Role::Viewer), vec![Read]);
    }

    #[test]
    fn roles_round_trip_their_spelling() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
