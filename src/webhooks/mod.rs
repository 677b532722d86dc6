//! Webhooks: what Twilio sends back to the portal (call TwiML requests, delivery status
//! callbacks), checked against its request signature.

pub mod signature;
pub mod twilio;
pub mod twiml;
