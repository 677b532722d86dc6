//! What one user may do in a journey: the settings, narrowed for that user by the host site (its
//! `TwoFactorHost`) or by the relying application's request.

use serde::{Deserialize, Serialize};

use crate::config::Settings;
use crate::domain::Channel;
use crate::domain::Destination;
use crate::refusal::PortalError;

/// A yes or no for each kind of destination: phone number and e-mail address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerDestination {
    pub phone: bool,
    pub email: bool,
}

impl PerDestination {
    pub const fn both(allowed: bool) -> Self {
        PerDestination { phone: allowed, email: allowed }
    }

    /// The answer for the destination `channel` sends to.
    pub fn for_channel(self, channel: Channel) -> bool {
        if channel.uses_phone() { self.phone } else { self.email }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRules {
    /// The methods offered to this user, in the order of the settings.
    pub methods: Vec<Channel>,
    /// May add a phone number or e-mail address the portal does not know yet.
    pub registration: PerDestination,
    /// May replace a known one.
    pub change: PerDestination,
    /// Without a phone number, the user registers one before anything else.
    pub must_have_phone: bool,
    /// The registration pages offer to skip the second factor for now.
    pub registration_optional: bool,
}

impl UserRules {
    /// Keeps only the methods both these rules and `methods` allow, in this order.
    pub fn restrict_methods(mut self, methods: &[Channel]) -> Self {
        self.methods.retain(|channel| methods.contains(channel));
        self
    }

    /// Refuses `new` for `channel` where this user may not register a destination (`current`
    /// is none) or may not change it.
    pub fn ensure_may_set(&self, channel: Channel, current: Option<&Destination>, new: &Destination) -> Result<(), PortalError> {
        match current {
            None if !self.registration.for_channel(channel) => Err(PortalError::RegistrationNotAllowed),
            Some(current) if current != new && !self.change.for_channel(channel) => Err(PortalError::ChangeNotAllowed),
            _ => Ok(()),
        }
    }

    /// The methods the user can actually use: those with a known destination, or whose
    /// destination they may register.
    pub fn usable_methods(&self, known: impl Fn(Channel) -> bool) -> Vec<Channel> {
        self.methods.iter().copied().filter(|&channel| known(channel) || self.registration.for_channel(channel)).collect()
    }
}

// Written here rather than in `config`: the settings are plain data, the rules the application's.
impl Settings {
    /// What a user may do unless the host or the request narrows it.
    pub fn user_rules(&self) -> UserRules {
        UserRules {
            methods: self.methods.clone(),
            registration: PerDestination::both(self.allow_registration),
            change: PerDestination::both(self.allow_change),
            must_have_phone: self.user_must_have_phone,
            registration_optional: self.registration_optional,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> UserRules {
        UserRules {
            methods: vec![Channel::Sms, Channel::Call, Channel::Email],
            registration: PerDestination { phone: false, email: true },
            change: PerDestination::both(true),
            must_have_phone: false,
            registration_optional: false,
        }
    }

    #[test]
    fn a_method_without_a_known_destination_is_usable_only_where_registration_is_allowed() {
        assert_eq!(rules().usable_methods(|_| false), vec![Channel::Email]);
        assert_eq!(rules().usable_methods(|channel| channel.uses_phone()), vec![Channel::Sms, Channel::Call, Channel::Email]);
    }

    #[test]
    fn a_host_can_narrow_the_methods_but_not_add_any() {
        let narrowed = rules().restrict_methods(&[Channel::Email, Channel::Whatsapp, Channel::Sms]);
        assert_eq!(narrowed.methods, vec![Channel::Sms, Channel::Email]);
    }
}
