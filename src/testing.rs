//! What the black-box tests need besides the public API: a clock they move, the core's types
//! they build requests and check stored rows with, and who owns a verification.

pub use crate::application::Owner;
pub use crate::domain::{Clock, FakeClock, PhoneNumber, UnixTime, VerificationId};
pub use crate::refusal::PortalError;
