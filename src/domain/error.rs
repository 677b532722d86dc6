//! The core's refusals. They sit below every module of the core and import none of them.

/// What is wrong with a typed code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeFormatError {
    #[error("the code may only contain digits")]
    NotDigits,
    #[error("the code must have {expected} digits")]
    WrongLength { expected: usize },
}

/// Why a destination cannot, or may not, receive a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DestinationError {
    #[error("not a valid phone number")]
    InvalidPhone,
    #[error("not a mobile phone number")]
    NotMobile,
    #[error("codes are not sent to this kind of phone line")]
    NumberTypeNotAllowed,
    #[error("not a valid e-mail address")]
    InvalidEmail,
    #[error("this channel needs another kind of destination")]
    WrongKind,
}

/// Every way a send or a check can be refused by the core's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
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
