//! The send slots every code takes before any gateway is called: counted per user, destination,
//! number block, client and request, within the hourly budget (see `domain::limits`).

use std::net::IpAddr;

use super::Verifier;
use crate::domain::Channel;
use crate::events::Event;
use crate::domain::{
    Conversion, Destination, SendFacts, SendHistory, SendLimit, SendLimits, SendRefusal, UnixTime, Verification, VerificationId, client_network,
    conversion_alarm, ensure_send_allowed,
};
use crate::refusal::PortalError;
use crate::store::{SendRecords, SendSlot, SlotKeys, Taken};

impl Verifier {
    pub(super) fn sent(&self, verification: &Verification) {
        self.events.emit(Event::VerificationSent {
            subject: verification.subject.clone(),
            method: verification.channel,
            verification_id: verification.id.clone(),
            provider_sid: verification.provider_sid().map(str::to_owned),
            first_sent_at: verification.created_at,
            last_sent_at: verification.last_sent_at,
        });
    }

    /// What a send to `destination` is counted by.
    pub(super) fn slot_keys<'a>(
        &self,
        subject: &'a str,
        verification: &'a VerificationId,
        destination: &'a Destination,
        channel: Channel,
        client: Option<IpAddr>,
        at: UnixTime,
    ) -> SlotKeys<'a> {
        SlotKeys {
            subject,
            destination,
            channel,
            at,
            request: None,
            verification,
            client_net: client.map(client_network),
            number_block: destination.number_block(SendLimits::PREFIX_DIGITS_DROPPED),
            country: match destination {
                Destination::Phone(phone) => phone.region(),
                Destination::Email(_) => None,
            },
            to_a_factor: false,
        }
    }

    /// Takes the send slot for a code before any gateway is called, storing `records` with it
    /// (see `Storage::take_send_slot`); none when the verification `records` renews changed since
    /// it was read. Each refusal is logged with the limit that made it, and told to the host as
    /// `SendRefused`.
    pub(super) async fn take_send_slot(&self, keys: &SlotKeys<'_>, records: Option<SendRecords<'_>>) -> Result<Option<SendSlot>, PortalError> {
        let to_a_factor = keys.to_a_factor;
        let longest_window = self.policy.send_window.max(self.policy.user_send_window);
        let since = UnixTime(keys.at.0 - longest_window.as_secs() as i64);
        let facts = SendFacts { channel: keys.channel, to_a_factor };
        let allowed = |history: &SendHistory| ensure_send_allowed(history, facts, keys.at, &self.policy);
        let (history, taken) = self.store.take_send_slot(keys, since, &allowed, records).await?;
        // A send judged again (its verification changed) raises its alarm when it is judged for good.
        let judged = !matches!(taken, Taken::Changed);
        if let (true, true, Some(country)) = (judged, conversion_alarm(history.country, &self.policy), &keys.country) {
            let held = self.policy.send_limits.conversion.hold && !to_a_factor;
            let Conversion { sent, entered } = history.country;
            tracing::error!(country, sent, entered, held, "codes to this country are rarely entered: SMS pumping?");
            self.events.emit(Event::ConversionAlarm { country: country.clone(), sent, entered, held });
        }
        match taken {
            Taken::Slot(slot) => Ok(Some(slot)),
            Taken::Changed => Ok(None),
            Taken::Refused(SendRefusal { limit, error }) => {
                let channel = keys.channel;
                if limit == SendLimit::HourlyBudget {
                    tracing::error!(limit = limit.as_str(), %channel, "the hourly sending budget is spent: no code goes out until the hour has passed");
                } else {
                    tracing::warn!(limit = limit.as_str(), %channel, "a send limit refused a code");
                }
                self.events.emit(Event::SendRefused { subject: keys.subject.to_owned(), method: channel, limit: limit.as_str() });
                Err(error.into())
            }
        }
    }

    /// The slot of a provider's code, which is stored once the provider has sent it.
    pub(super) async fn take_provider_slot(&self, keys: &SlotKeys<'_>) -> Result<SendSlot, PortalError> {
        // With nothing to renew, nothing can have changed.
        self.take_send_slot(keys, None).await?.ok_or(PortalError::Unavailable)
    }

    /// Keeps the slot of a code that left; gives it back when the code never did.
    pub(super) async fn spend_slot<T>(&self, slot: SendSlot, sent: Result<T, PortalError>) -> Result<T, PortalError> {
        if sent.is_err() {
            self.store.release_send_slot(slot).await?;
        }
        sent
    }
}
