//! The password policy: at least 12 characters, at most 128, not a common password, not the
//! e-mail address, not one character repeated.

/// Why a password was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Fewer than 12 characters.
    TooShort,
    /// More than 128 characters.
    TooLong,
    /// On the list of common passwords, or a trivial pattern.
    Common,
    /// The same as (or contains) the e-mail address's name.
    LikeEmail,
}

/// The shortest password accepted, in characters.
pub const MIN_LEN: usize = 12;
/// The longest password accepted, in characters (Argon2 needs no cap; a request does).
pub const MAX_LEN: usize = 128;

/// Common passwords of 12 characters or more (shorter ones fail on length), lower case.
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456789000",
    "111111111111",
    "000000000000",
    "123123123123",
    "qwertyuiop12",
    "qwertyuiop123",
    "qwerty123456",
    "qwerty1234567",
    "qwertyuiopasdf",
    "1q2w3e4r5t6y",
    "1q2w3e4r5t6y7u",
    "q1w2e3r4t5y6",
    "zaq12wsxcde3",
    "1qaz2wsx3edc",
    "asdfghjkl123",
    "password1234",
    "password12345",
    "password123456",
    "passwordpassword",
    "passw0rd1234",
    "p@ssw0rd1234",
    "iloveyou1234",
    "letmein12345",
    "welcome12345",
    "administrator",
    "administrator1",
    "abcdefghijkl",
    "abc123abc123",
    "abcd1234abcd",
    "monkey123456",
    "dragon123456",
    "football1234",
    "baseball1234",
    "sunshine1234",
    "princess1234",
    "superman1234",
    "trustno1trustno1",
    "changeme1234",
    "masterkey123",
    "qazwsxedcrfv",
    "1234qwerasdf",
    "qwer1234qwer",
    "parol1234567",
    "parolparol12",
    "йцукенгшщзхъ",
    "пароль123456",
    "cloudpayments",
    "cloudpayments1",
    "oblakooblako",
];

/// Checks a new password against the policy; `email` is the account it is for.
pub fn check_password(password: &str, email: &str) -> Result<(), PasswordProblem> {
    let chars = password.chars().count();
    if chars < MIN_LEN {
        return Err(PasswordProblem::TooShort);
    }
    if chars > MAX_LEN {
        return Err(PasswordProblem::TooLong);
    }
    let lower = password.to_lowercase();
    let first = lower.chars().next();
    if COMMON.contains(&lower.as_str()) || lower.chars().all(|c| Some(c) == first) {
        return Err(PasswordProblem::Common);
    }
    let name = email.split('@').next().unwrap_or("").to_lowercase();
    if lower == email.to_lowercase() || (name.len() >= 4 && lower.contains(&name)) {
        return Err(PasswordProblem::LikeEmail);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_in_a_table() {
        let cases = [
            ("short pass", Err(PasswordProblem::TooShort)),
            ("password1234", Err(PasswordProblem::Common)),
            ("PASSWORD1234", Err(PasswordProblem::Common)),
            ("aaaaaaaaaaaaaaa", Err(PasswordProblem::Common)),
            ("annaSmith-2026!", Err(PasswordProblem::LikeEmail)),
            ("horse battery staple", Ok(())),
            ("синий кит плывёт", Ok(())),
        ];
        for (password, expected) in cases {
            assert_eq!(
                check_password(password, "annasmith@shop.example"),
                expected,
                "{password}"
            );
        }
        assert_eq!(
            check_password(&"x1".repeat(65), "a@b.c"),
            Err(PasswordProblem::TooLong)
        );
    }
}
