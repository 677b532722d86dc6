//! The one rule for a destination a user gives (a new phone number or e-mail address, or one of
//! their own): whether they may set it, and where its first code goes. The pages, the session's
//! JSON API and API clients all come here.

use super::rules::UserRules;
use super::{Application, Grounds};
use crate::domain::Channel;
use crate::domain::{Addition, Destination, Factors};
use crate::refusal::PortalError;
use crate::view::Notice;

/// Where the first code for a given destination goes, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstCode {
    pub destination: Destination,
    pub channel: Channel,
    pub grounds: Grounds,
    /// What the user is told once it has left.
    pub news: Notice,
}

impl Application {
    /// Refuses `given` where the policy or this user's rules do not let them set it (a line of
    /// a kind the channel cannot reach, a registration or change they may not make, a carrier
    /// line type the settings refuse), and else plans its first code: to `given` itself when it
    /// is one of the user's factors or they hold none, else to one of their factors first (the
    /// new one gets its code once that one is entered).
    pub async fn first_code_to(
        &self,
        rules: &UserRules,
        factors: &Factors,
        given: Destination,
        channel: Channel,
    ) -> Result<FirstCode, PortalError> {
        self.verifier.policy().ensure_destination_allowed(&given, channel)?;
        rules.ensure_may_set(channel, factors.of_kind(&given).as_ref(), &given)?;
        if let (Destination::Phone(phone), Some(check), false) = (&given, &self.line_types, factors.holds(&given)) {
            check.ensure_allowed(phone, channel).await?;
        }
        if factors.purpose_of(&given).is_some() {
            return Ok(FirstCode { destination: given, channel, grounds: Grounds::Own, news: Notice::CodeSent });
        }
        let number_types = &self.verifier.policy().number_types;
        let (factor, by) = factors.to_confirm_before(&given, &rules.methods, number_types).ok_or(PortalError::FactorConfirmationRequired)?;
        Ok(FirstCode {
            destination: factor,
            channel: by,
            grounds: Grounds::ThenAdd(Addition { destination: given, channel }),
            news: Notice::ConfirmCurrentFactor,
        })
    }
}
