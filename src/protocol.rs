//! What crosses the wire between the portal's server and its pages.

use serde::{Deserialize, Serialize};

use crate::domain::{Channel, DeliveryState};

/// Every refusal a user can meet. The page turns each into a translated sentence;
/// none carries a code, a secret or an internal detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error_code", rename_all = "snake_case")]
pub enum PortalError {
    #[error("invalid phone number")]
    InvalidPhoneNumber,
    #[error("mobile number required")]
    MobileNumberRequired,
    #[error("codes are not sent to this kind of phone line")]
    NumberTypeNotAllowed,
    #[error("invalid e-mail address")]
    InvalidEmail,
    #[error("the code may only contain digits")]
    InvalidCode,
    #[error("the code must have {expected} digits")]
    CodeLength { expected: usize },
    #[error("wrong code")]
    WrongCode { attempts_left: u32 },
    #[error("too many attempts")]
    MaxAttemptsReached,
    #[error("verification expired")]
    VerificationExpired,
    #[error("code already used")]
    CodeAlreadyUsed,
    #[error("resend too soon")]
    ResendCooldown { retry_in: u64 },
    #[error("too many codes sent")]
    TooManySends { retry_in: u64 },
    #[error("verification not found")]
    VerificationNotFound,
    #[error("verification canceled")]
    VerificationCanceled,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("no verification request in progress")]
    NoActiveRequest,
    #[error("invalid verification request")]
    InvalidRequest,
    #[error("verification request expired")]
    RequestExpired,
    #[error("verification request already used")]
    RequestReplayed,
    #[error("the code could not be delivered")]
    DeliveryFailed,
    #[error("codes cannot be sent to this country")]
    PhoneCountryNotAllowed,
    #[error("the recipient opted out of text messages")]
    RecipientOptedOut,
    #[error("the destination is blocked for now")]
    DestinationBlocked,
    #[error("too many requests for this destination")]
    ProviderBusy { retry_in: Option<u64> },
    #[error("a phone number or e-mail address is needed for this method")]
    DestinationRequired,
    #[error("this user may not register a phone number or e-mail address here")]
    RegistrationNotAllowed,
    #[error("this user may not change their phone number or e-mail address here")]
    ChangeNotAllowed,
    #[error("this user may not verify")]
    UserNotAllowed,
    #[error("no method is available to this user")]
    NoMethodAvailable,
    #[error("this kind of phone line is not accepted")]
    InvalidCarrierType,
    #[error("an API client named no user")]
    UserIdMissing,
    #[error("this request has sent codes to as many destinations as it may")]
    TooManyDestinations,
    #[error("sending is paused for now")]
    SendingPaused,
    #[error("too many wrong codes in a row: wait before the next check")]
    CheckWait { retry_in: u64 },
    #[error("too many wrong codes in a row: locked until the application or the operator lifts it")]
    UserLocked,
    #[error("a code to one of the user's factors must be entered before a new destination is added")]
    FactorConfirmationRequired,
    #[error("missing or wrong API key")]
    InvalidApiKey,
    #[error("the service is unavailable")]
    Unavailable,
    #[error("the server could not be reached")]
    Network,
}

impl PortalError {
    /// Errors after which this verification cannot go on: the user starts again or goes back.
    pub fn ends_verification(&self) -> bool {
        matches!(self, PortalError::MaxAttemptsReached | PortalError::VerificationExpired | PortalError::VerificationCanceled)
    }
}

impl leptos::server_fn::error::FromServerFnError for PortalError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(error: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        leptos::logging::warn!("server function failed: {error}");
        PortalError::Network
    }
}

/// Where the user stands in the flow; each step has its page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    /// Nobody sent this visitor here with a signed request.
    NoRequest,
    ChooseMethod,
    RegisterPhone,
    RegisterEmail,
    EnterCode,
    Verified,
    Failed,
}

impl Step {
    /// The page's path under the mount point (`/methods`); see `at`.
    pub fn path(self) -> &'static str {
        match self {
            Step::NoRequest => "/",
            Step::ChooseMethod => "/methods",
            Step::RegisterPhone => "/phone",
            Step::RegisterEmail => "/email",
            Step::EnterCode => "/verify",
            Step::Verified => "/success",
            Step::Failed => "/failure",
        }
    }

    /// The page's path where the pages are mounted: `""` for the portal, `/2fa` in a host site.
    pub fn at(self, mount: &str) -> String {
        format!("{mount}{}", self.path())
    }
}

/// A method on the picker, with where the code would go if already known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodOption {
    pub channel: Channel,
    pub destination: Option<String>,
    /// The site's own name for the method, when it gave one.
    pub label: Option<String>,
    /// The site's own image for the method, when it gave one.
    pub icon: Option<String>,
}

/// The code the user is waiting for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCode {
    pub channel: Channel,
    pub destination: String,
    pub code_length: usize,
    pub attempts_left: u32,
    /// Checks made and codes sent for this verification.
    pub attempts: u32,
    pub sends: u32,
    pub resend_in: u64,
    pub expires_in: u64,
    /// How far the code has got, when the provider reports it.
    pub delivery: Option<DeliveryState>,
}

/// Why the flow ended without success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureReason {
    MaxAttemptsReached,
    VerificationExpired,
    InvalidRequest,
    RequestExpired,
    RequestReplayed,
    /// The host site does not let this user verify.
    UserNotAllowed,
    /// No method has a known destination, and none may be registered.
    NoMethodAvailable,
    /// Too many wrong codes, and the settings end the whole request then.
    RequestCanceled,
}

impl FailureReason {
    /// A user may start a new verification after an expired code; wrong codes count for the
    /// whole request, so after too many only a new request from the application goes on.
    pub fn can_retry(self) -> bool {
        matches!(self, FailureReason::VerificationExpired)
    }

    /// The flow had a valid request, so there is somewhere to go back to.
    pub fn came_with_request(self) -> bool {
        !matches!(self, FailureReason::InvalidRequest | FailureReason::RequestExpired | FailureReason::RequestReplayed)
    }
}

/// A one-time message for the next page: the outcome of the last form the user sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Notice {
    Error(PortalError),
    CodeSent,
    CodeResent,
    /// Adding or changing a destination starts with a code to one of the user's factors.
    ConfirmCurrentFactor,
    /// That factor is confirmed; the code now went to the new destination.
    ConfirmNewDestination,
}

/// A notice with its sentence, worded on the server where the site's overrides are known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownNotice {
    pub notice: Notice,
    pub text: String,
}

/// What the user typed in the phone form, given back when it is refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneInput {
    pub country: String,
    pub number: String,
}

#[cfg(feature = "ssr")]
impl PhoneInput {
    /// Whether it is short enough to keep in the session and give back; longer is only refused.
    pub fn fits(&self) -> bool {
        use crate::bounds::{COUNTRY, PHONE_INPUT, fits};
        fits(&self.number, PHONE_INPUT) && fits(&self.country, COUNTRY)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalView {
    pub step: Step,
    pub service_name: String,
    pub methods: Vec<MethodOption>,
    pub channel: Option<Channel>,
    pub pending: Option<PendingCode>,
    pub failure: Option<FailureReason>,
    /// Host of the relying application, for "back to …" links.
    pub return_host: Option<String>,
    pub notice: Option<ShownNotice>,
    /// Values for the phone form: what was typed, else the registered number.
    pub phone_input: PhoneInput,
    pub email_input: String,
    /// The user already has a phone number, so the phone form changes it rather than adds one.
    pub has_phone: bool,
    /// Likewise for the e-mail address.
    pub has_email: bool,
    /// The user may replace their phone number, their e-mail address.
    pub can_change_phone: bool,
    pub can_change_email: bool,
    /// The registration pages offer "Not now".
    pub registration_optional: bool,
    /// The demo relying application is served (beside the console gateway only).
    pub demo: bool,
    /// Where the pages are mounted: `""` for the portal, the host's path when embedded.
    pub mount: String,
}

impl PortalView {
    /// The path of `step`'s page, for links between the pages.
    pub fn href(&self, step: Step) -> String {
        step.at(&self.mount)
    }
}

/// One entry of the country selector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountryOption {
    pub code: String,
    pub name: String,
    pub calling_code: u16,
}
