//! Twilio Lookup's line type intelligence: whether a number is a mobile, a landline, VoIP, …
//! (django-twilio-2fa's carrier lookup).

use serde::Deserialize;

use super::{TwilioClient, client_for, reported};
use crate::config::{ConfigError, LookupSettings};
use crate::events::Events;
use crate::domain::PhoneNumber;
use crate::gateways::GatewayError;

/// The part of Lookup's PhoneNumber resource we read.
#[derive(Deserialize)]
struct LookupAnswer {
    line_type_intelligence: Option<LineTypeIntelligence>,
}

#[derive(Deserialize)]
struct LineTypeIntelligence {
    #[serde(rename = "type")]
    line_type: Option<String>,
}

pub struct TwilioLookup {
    client: TwilioClient,
    events: Events,
}

impl TwilioLookup {
    pub fn new(settings: &LookupSettings, events: Events) -> Result<Self, ConfigError> {
        let base = format!("{}/v2/PhoneNumbers", settings.api_url.as_str().trim_end_matches('/'));
        Ok(TwilioLookup { client: client_for(&settings.account, base)?, events })
    }

    /// The number's line type as Lookup reports it; none when Lookup cannot tell.
    pub async fn line_type(&self, phone: &PhoneNumber) -> Result<Option<String>, GatewayError> {
        let fields = [("Fields", "line_type_intelligence".to_owned())];
        match self.client.fetch::<LookupAnswer>(phone.e164(), &fields).await {
            Ok(answer) => Ok(answer.line_type_intelligence.and_then(|info| info.line_type).filter(|t| t != "unknown")),
            Err(error) => {
                let mapped = super::messaging::gateway_error(error.clone());
                Err(reported(&self.events, "twilio-lookup", &error, mapped))
            }
        }
    }
}
