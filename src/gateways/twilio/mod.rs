//! Twilio: its REST API client, its error answers, and the Messaging + Voice gateway.

pub mod client;
pub mod error;
pub mod messaging;

pub use client::TwilioClient;
pub use error::TwilioError;
pub use messaging::TwilioMessaging;
