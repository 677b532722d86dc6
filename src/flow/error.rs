use super::DestinationError;
use super::code::CodeFormatError;

/// Every way a send or a check can be refused by the flow's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    #[error(transparent)]
    CodeFormat(#[from] CodeFormatError),
    #[error(transparent)]
    Destination(#[from] DestinationError),
    #[error("wrong code, {attempts_left} attempts left")]
    WrongCode { attempts_left: u32 },
    #[error("too many wrong codes")]
    MaxAttemptsReached,
    #[error("the code has expired")]
    Expired,
    #[error("the code was already used")]
    AlreadyApproved,
    #[error("the verification was canceled")]
    Canceled,
    #[error("a new code can be sent in {retry_in} s")]
    ResendTooSoon { retry_in: u64 },
    #[error("too many codes sent to this destination, next in {retry_in} s")]
    TooManySends { retry_in: u64 },
    #[error("no such verification")]
    NotFound,
    #[error("too many wrong codes in a row: next check in {retry_in} s")]
    CheckWait { retry_in: u64 },
    #[error("too many wrong codes in a row: locked until lifted")]
    UserLocked,
    #[error("this request has sent codes to as many destinations as it may")]
    TooManyDestinations,
    #[error("the portal's hourly sending budget is spent")]
    SendingPaused,
    #[error("codes are not sent to numbers of this country")]
    RegionNotAllowed,
}
