//! The one place where internal errors become the `PortalError` a user sees.

use crate::domain::{CodeFormatError, DestinationError, DomainError};
use crate::gateways::{GatewayError, Refusal};
use crate::handoff::IdentityError;
use crate::refusal::PortalError;
use crate::store::StoreError;

impl From<DomainError> for PortalError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::CodeFormat(CodeFormatError::NotDigits) => PortalError::InvalidCode,
            DomainError::CodeFormat(CodeFormatError::WrongLength { expected }) => PortalError::CodeLength { expected },
            DomainError::WrongCode { attempts_left } => PortalError::WrongCode { attempts_left },
            DomainError::MaxAttemptsReached => PortalError::MaxAttemptsReached,
            DomainError::Expired => PortalError::VerificationExpired,
            DomainError::AlreadyApproved => PortalError::CodeAlreadyUsed,
            DomainError::Canceled => PortalError::VerificationCanceled,
            DomainError::ResendTooSoon { retry_in } => PortalError::ResendCooldown { retry_in },
            DomainError::TooManySends { retry_in } => PortalError::TooManySends { retry_in },
            DomainError::NotFound => PortalError::VerificationNotFound,
            DomainError::RegionNotAllowed => PortalError::PhoneCountryNotAllowed,
            DomainError::Destination(error) => error.into(),
            DomainError::TooManyDestinations => PortalError::TooManyDestinations,
            DomainError::SendingPaused => PortalError::SendingPaused,
            DomainError::CheckWait { retry_in } => PortalError::CheckWait { retry_in },
            DomainError::UserLocked => PortalError::UserLocked,
        }
    }
}

impl From<CodeFormatError> for PortalError {
    fn from(error: CodeFormatError) -> Self {
        DomainError::from(error).into()
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
