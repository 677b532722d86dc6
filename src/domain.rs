//! Plain types shared by the server and the browser build.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How a code reaches the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Sms,
    Call,
    Email,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Sms, Channel::Call, Channel::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Call => "call",
            Channel::Email => "email",
        }
    }

    /// SMS and calls go to a phone number, e-mail to an address.
    pub fn uses_phone(self) -> bool {
        matches!(self, Channel::Sms | Channel::Call)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown channel {0:?} (expected sms, call or email)")]
pub struct UnknownChannel(pub String);

impl FromStr for Channel {
    type Err = UnknownChannel;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Channel::ALL
            .into_iter()
            .find(|channel| channel.as_str().eq_ignore_ascii_case(value.trim()))
            .ok_or_else(|| UnknownChannel(value.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_parse_from_their_names_in_any_case() {
        assert_eq!("SMS".parse::<Channel>(), Ok(Channel::Sms));
        assert_eq!(" call ".parse::<Channel>(), Ok(Channel::Call));
        assert!("fax".parse::<Channel>().is_err());
    }
}
