//! Plain types shared by the server and the browser build.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How a code reaches the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Sms,
    Call,
    Email,
    /// A WhatsApp message, where the provider offers it (Twilio Messaging and Verify).
    Whatsapp,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Channel::Sms, Channel::Call, Channel::Email, Channel::Whatsapp];
    /// Offered unless configured otherwise: WhatsApp needs an approved sender first.
    pub const DEFAULT_METHODS: [Channel; 3] = [Channel::Sms, Channel::Call, Channel::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Call => "call",
            Channel::Email => "email",
            Channel::Whatsapp => "whatsapp",
        }
    }

    /// SMS, calls and WhatsApp go to a phone number, e-mail to an address.
    pub fn uses_phone(self) -> bool {
        matches!(self, Channel::Sms | Channel::Call | Channel::Whatsapp)
    }

    /// Text messages and WhatsApp reach mobiles only.
    pub fn needs_mobile(self) -> bool {
        matches!(self, Channel::Sms | Channel::Whatsapp)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How far a code has gone on its way to the user, as the provider reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Handed to the provider, not sent yet (a call being placed).
    Queued,
    /// Sent to the carrier or the mail server; no receipt yet.
    Sent,
    /// The phone is ringing.
    Ringing,
    /// The call was answered.
    Answered,
    /// The handset or mailbox has it.
    Delivered,
    /// The call ended after it was answered.
    Completed,
    /// The message did not arrive.
    Undelivered,
    /// The call was busy, not answered or failed.
    NotAnswered,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 8] = [
        DeliveryState::Queued,
        DeliveryState::Sent,
        DeliveryState::Ringing,
        DeliveryState::Answered,
        DeliveryState::Delivered,
        DeliveryState::Completed,
        DeliveryState::Undelivered,
        DeliveryState::NotAnswered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Queued => "queued",
            DeliveryState::Sent => "sent",
            DeliveryState::Ringing => "ringing",
            DeliveryState::Answered => "answered",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Completed => "completed",
            DeliveryState::Undelivered => "undelivered",
            DeliveryState::NotAnswered => "not_answered",
        }
    }

    /// Progress order: a report never moves a delivery back to a lower rank.
    pub fn rank(self) -> u8 {
        match self {
            DeliveryState::Queued => 0,
            DeliveryState::Sent | DeliveryState::Ringing => 1,
            DeliveryState::Answered => 2,
            DeliveryState::Delivered | DeliveryState::Completed | DeliveryState::Undelivered | DeliveryState::NotAnswered => 3,
        }
    }

    /// No later report will change it.
    pub fn is_final(self) -> bool {
        self.rank() == 3
    }

    /// Whether the provider will still report on it. A mail server sends no receipts: once it
    /// has the message there is nothing more to hear.
    pub fn expects_reports(self, channel: Channel) -> bool {
        !(self.is_final() || (channel == Channel::Email && self == DeliveryState::Sent))
    }

    /// The code did not reach the user: the page suggests another method.
    pub fn failed(self) -> bool {
        matches!(self, DeliveryState::Undelivered | DeliveryState::NotAnswered)
    }
}

impl FromStr for DeliveryState {
    type Err = ();

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        DeliveryState::ALL.into_iter().find(|state| state.as_str() == value).ok_or(())
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
