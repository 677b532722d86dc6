//! The development gateway: prints each message and keeps the latest ones for `/dev/outbox`.

use async_trait::async_trait;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use super::{Gateway, GatewayError, Handover, OutboundMessage};
use crate::domain::{Channel, DeliveryState};

/// How many messages the outbox keeps; older ones drop off.
const OUTBOX_CAPACITY: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxEntry {
    pub to: String,
    pub channel: Channel,
    pub body: String,
    /// RFC 3339, UTC.
    pub sent_at: String,
}

/// The messages the console gateway sent, newest first.
#[derive(Clone, Default)]
pub struct Outbox(Arc<Mutex<VecDeque<OutboxEntry>>>);

impl Outbox {
    pub fn entries(&self) -> Vec<OutboxEntry> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).iter().cloned().collect()
    }

    fn push(&self, entry: OutboxEntry) {
        let mut entries = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        entries.push_front(entry);
        entries.truncate(OUTBOX_CAPACITY);
    }
}

pub struct ConsoleGateway {
    outbox: Outbox,
}

impl ConsoleGateway {
    pub fn new(outbox: Outbox) -> Self {
        ConsoleGateway { outbox }
    }
}

#[async_trait]
impl Gateway for ConsoleGateway {
    fn name(&self) -> &'static str {
        "console"
    }

    async fn deliver(&self, message: &OutboundMessage) -> Result<Handover, GatewayError> {
        let sent_at = time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let entry = OutboxEntry {
            to: message.to.key().to_owned(),
            channel: message.channel,
            body: message.text.readable(),
            sent_at,
        };
        // Development only: printing the code is the whole point of this gateway.
        println!("[console gateway] {} to {} ({}):\n{}\n", entry.channel, entry.to, message.language, entry.body);
        self.outbox.push(entry);
        Ok(Handover { gateway: self.name(), provider_id: None, state: DeliveryState::Delivered })
    }
}
