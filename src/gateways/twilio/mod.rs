//! Twilio: what its REST APIs answer, shared by the Messaging + Voice and the Verify gateways.

pub mod error;

pub use error::TwilioError;
