//! Webhooks: what Twilio sends back to the portal (call TwiML requests, delivery status
//! callbacks), and what the portal sends on to the relying application.

pub mod outbound;
pub mod signature;
pub mod twilio;
pub mod twiml;
