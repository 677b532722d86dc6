//! The portal's application layer: the core flow joined to storage, delivery, sessions and messages.
//!
//! Server functions and routes are thin wrappers around what is here.

pub mod errors;
pub mod journey;
pub mod line_types;
pub mod messages;
pub mod requests;
pub mod rules;
pub mod deliveries;
pub mod service;

pub use journey::{ActiveRequest, FlowSession, Outcome};
pub use service::{Approval, CodeStatus, Grounds, NewCode, Owner, Verifier};
