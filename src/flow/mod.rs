//! The core verification flow: codes, limits and the life of a verification.
//!
//! Plain Rust with an injectable clock; it knows nothing of HTTP, storage or Leptos.
//!
//! Its modules import only downwards: `error`, `clock` and `random` import nothing of the flow,
//! and `verification` is the top. The refusals of every module sit in `error`, below their users.

pub mod clock;
pub mod code;
pub mod delivery;
pub mod destination;
pub mod error;
pub mod factors;
pub mod limits;
pub mod lockout;
pub mod policy;
pub mod random;
pub mod verification;
pub mod verification_id;

pub use clock::{Clock, FakeClock, SystemClock, UnixTime};
pub use code::{CodeHasher, OtpCode};
pub use delivery::{DeliveryProgress, DeliveryReport, DeliveryToken, TokenError};
pub use destination::{Destination, EmailAddress, NumberType, NumberTypes, PhoneNumber};
pub use error::{CodeFormatError, DestinationError, FlowError};
pub use factors::{Addition, Factors, Purpose};
pub use limits::{
    Conversion, PastSend, SendFacts, SendHistory, SendLimit, SendRefusal, client_network, conversion_alarm, ensure_send_allowed,
};
pub use lockout::{FailureStreak, Lockout};
pub use policy::{ConversionAlarm, Policy, PolicyError, RegionRule, SendLimits};
pub use random::{hex, random_token};
pub use verification::{CodeSecret, Holder, Status, Verification};
pub use verification_id::VerificationId;
