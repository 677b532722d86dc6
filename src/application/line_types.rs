//! Carrier lookup (django-twilio-2fa's `PHONE_NUMBER_CARRIER_LOOKUP` and its settings): a new
//! number's line type, as Twilio Lookup reports it, must be one the settings allow.

use crate::config::{ConfigError, Settings};
use crate::domain::Channel;
use crate::events::Events;
use crate::domain::PhoneNumber;
use crate::gateways::twilio::lookup::TwilioLookup;
use crate::refusal::PortalError;

pub struct LineTypeCheck {
    lookup: TwilioLookup,
    /// Lookup's names (`mobile`, `landline`, `fixedVoip`, …); empty: any.
    allowed: Vec<String>,
    /// Accept a number whose line type Lookup cannot tell.
    allow_unknown: bool,
    /// Canadian numbers are looked up only with Twilio's approval for Canadian carrier data.
    look_up_canada: bool,
}

impl LineTypeCheck {
    /// The check `TWOFA_CARRIER_LOOKUP` turns on; none while it is off.
    pub fn from_settings(settings: &Settings, events: &Events) -> Result<Option<Self>, ConfigError> {
        if !settings.carrier_lookup {
            return Ok(None);
        }
        Ok(Some(LineTypeCheck {
            lookup: TwilioLookup::new(&settings.lookup(), events.clone())?,
            allowed: settings.allowed_line_types.clone(),
            allow_unknown: settings.allow_unknown_line_type,
            look_up_canada: settings.carrier_lookup_canada,
        }))
    }

    /// Refuses a number of a line type the settings do not allow, and a line that cannot take
    /// text messages when `channel` sends them.
    pub async fn ensure_allowed(&self, phone: &PhoneNumber, channel: Channel) -> Result<(), PortalError> {
        if phone.region().as_deref() == Some("CA") && !self.look_up_canada {
            return Ok(());
        }
        match self.lookup.line_type(phone).await? {
            Some(line) if channel.needs_mobile() && matches!(line.as_str(), "landline" | "fixedVoip" | "tollFree") => {
                Err(PortalError::MobileNumberRequired)
            }
            Some(line) if self.allowed.is_empty() || self.allowed.iter().any(|allowed| allowed.eq_ignore_ascii_case(&line)) => Ok(()),
            Some(line) => {
                tracing::info!(line_type = %line, "a number of a line type the settings refuse");
                Err(PortalError::InvalidCarrierType)
            }
            None if self.allow_unknown => Ok(()),
            None => Err(PortalError::InvalidCarrierType),
        }
    }
}
