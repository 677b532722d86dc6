//! The one place where internal errors become the `PortalError` a user sees.

use crate::domain::{CodeFormatError, DestinationError, FlowError};
use crate::gateways::{GatewayError, Refusal};
use crate::handoff::IdentityError;
use crate::refusal::PortalError;
use crate::store::StoreError;

impl From<FlowError> for PortalError {
    fn from(error: FlowError) -> Self {
        match error {
            FlowError::CodeFormat(CodeFormatError::NotDigits) => PortalError::InvalidCode,
            FlowError::CodeFormat(CodeFormatError::WrongLength { expected }) => PortalError::CodeLength { expected },
            FlowError::WrongCode { attempts_left } => PortalError::WrongCode { attempts_left },
            FlowError::MaxAttemptsReached => PortalError::MaxAttemptsReached,
            FlowError::Expired => PortalError::VerificationExpired,
            FlowError::AlreadyApproved => PortalError::CodeAlreadyUsed,
            FlowError::Canceled => PortalError::VerificationCanceled,
            FlowError::ResendTooSoon { retry_in } => PortalError::ResendCooldown { retry_in },
            FlowError::TooManySends { retry_in } => PortalError::TooManySends { retry_in },
            FlowError::NotFound => PortalError::VerificationNotFound,
            FlowError::RegionNotAllowed => PortalError::PhoneCountryNotAllowed,
            FlowError::Destination(error) => error.into(),
            FlowError::TooManyDestinations => PortalError::TooManyDestinations,
            FlowError::SendingPaused => PortalError::SendingPaused,
            FlowError::CheckWait { retry_in } => PortalError::CheckWait { retry_in },
            FlowError::UserLocked => PortalError::UserLocked,
        }
    }
}

impl From<CodeFormatError> for PortalError {
    fn from(error: CodeFormatError) -> Self {
        FlowError::from(error).into()
    }
}

impl From<DestinationError> for PortalError {
    fn from(error: DestinationError) -> Self {
        match error {
            DestinationError::InvalidPhone => PortalError::InvalidPhoneNumber,
            DestinationError::NotMobile => PortalError::MobileNumberRequired,
            DestinationError::NumberTypeNotAllowed => PortalError::NumberTypeNotAllowed,
            DestinationError::InvalidEmail => PortalError::InvalidEmail,
            DestinationError::WrongKind => PortalError::MethodNotAllowed,
        }
    }
}

impl From<IdentityError> for PortalError {
    fn from(error: IdentityError) -> Self {
        match error {
            IdentityError::Invalid | IdentityError::BadReturnUrl | IdentityError::LivesTooLong | IdentityError::OversizedClaim => {
                PortalError::InvalidRequest
            }
            IdentityError::Expired => PortalError::RequestExpired,
        }
    }
}

impl From<StoreError> for PortalError {
    fn from(error: StoreError) -> Self {
        tracing::error!(%error, "storage failed");
        PortalError::Unavailable
    }
}

/// Twilio Verify's validity, over which its send limit counts.
const PROVIDER_SEND_WINDOW_SECS: u64 = 600;

impl From<GatewayError> for PortalError {
    fn from(error: GatewayError) -> Self {
        match error {
            GatewayError::Refused(Refusal::InvalidNumber) => PortalError::InvalidPhoneNumber,
            GatewayError::Refused(Refusal::InvalidAddress) => PortalError::InvalidEmail,
            GatewayError::Refused(Refusal::NotMobile) => PortalError::MobileNumberRequired,
            GatewayError::Refused(Refusal::RegionNotAllowed) => PortalError::PhoneCountryNotAllowed,
            GatewayError::Refused(Refusal::OptedOut) => PortalError::RecipientOptedOut,
            GatewayError::Refused(Refusal::Blocked) => PortalError::DestinationBlocked,
            GatewayError::Unavailable(_) => PortalError::DeliveryFailed,
            GatewayError::MaxChecksReached => PortalError::MaxAttemptsReached,
            // The provider's window is not told; ours is the longest it can be.
            GatewayError::MaxSendsReached => PortalError::TooManySends { retry_in: PROVIDER_SEND_WINDOW_SECS },
            GatewayError::Expired => PortalError::VerificationExpired,
            GatewayError::Busy { retry_after } => PortalError::ProviderBusy { retry_in: retry_after.map(|d| d.as_secs()) },
            GatewayError::UnsupportedChannel { .. } | GatewayError::Misconfigured(_) => {
                tracing::error!(%error, "the gateway cannot send codes: check its settings");
                PortalError::DeliveryFailed
            }
        }
    }
}

impl From<tower_sessions::session::Error> for PortalError {
    fn from(error: tower_sessions::session::Error) -> Self {
        tracing::error!(%error, "session storage failed");
        PortalError::Unavailable
    }
}
