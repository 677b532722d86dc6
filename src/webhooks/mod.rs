//! What Twilio sends back to the portal: call TwiML requests and delivery status callbacks.

pub mod signature;
pub mod twilio;
pub mod twiml;
