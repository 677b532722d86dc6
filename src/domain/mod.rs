//! The core: codes, limits, lockout, a user's factors and the life of a verification.
//!
//! Plain Rust with an injectable clock; it knows nothing of HTTP, storage or Leptos. `channel`
//! (how a code travels) is shared with the browser build; the rest runs on the server.
//!
//! Its modules import only downwards: `error`, `clock` and `random` import nothing of the core,
//! and `verification` is the top. The refusals of every module sit in `error`, below their users.

pub mod channel;

pub use channel::{Channel, DeliveryState};

#[cfg(feature = "ssr")]
pub mod clock;
#[cfg(feature = "ssr")]
pub mod code;
#[cfg(feature = "ssr")]
pub mod delivery;
#[cfg(feature = "ssr")]
pub mod destination;
#[cfg(feature = "ssr")]
pub mod error;
#[cfg(feature = "ssr")]
pub mod factors;
#[cfg(feature = "ssr")]
pub mod limits;
#[cfg(feature = "ssr")]
pub mod lockout;
#[cfg(feature = "ssr")]
pub mod policy;
#[cfg(feature = "ssr")]
pub mod random;
#[cfg(feature = "ssr")]
pub mod verification;
#[cfg(feature = "ssr")]
pub mod verification_id;

#[cfg(feature = "ssr")]
pub use clock::{Clock, FakeClock, SystemClock, UnixTime};
#[cfg(feature = "ssr")]
pub use code::{CodeHasher, OtpCode};
#[cfg(feature = "ssr")]
pub use delivery::{DeliveryProgress, DeliveryReport, DeliveryToken};
#[cfg(feature = "ssr")]
pub use destination::{Destination, EmailAddress, NumberType, NumberTypes, PhoneNumber};
#[cfg(feature = "ssr")]
pub use error::{CodeFormatError, DestinationError, DomainError};
#[cfg(feature = "ssr")]
pub use factors::{Addition, Factors, Purpose};
#[cfg(feature = "ssr")]
pub use limits::{
    Conversion, PastSend, SendFacts, SendHistory, SendLimit, SendRefusal, client_network, conversion_alarm, ensure_send_allowed,
};
#[cfg(feature = "ssr")]
pub use lockout::{FailureStreak, Lockout};
#[cfg(feature = "ssr")]
pub use policy::{ConversionAlarm, Policy, RegionRule, SendLimits};
#[cfg(feature = "ssr")]
pub use random::{hex, random_token};
#[cfg(feature = "ssr")]
pub use verification::{CodeSecret, StartedBy, Status, Verification};
#[cfg(feature = "ssr")]
pub use verification_id::VerificationId;
