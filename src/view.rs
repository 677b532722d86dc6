//! What a page shows: the step it is on and the state it renders, as the server sends it.

use serde::{Deserialize, Serialize};

use crate::domain::{Channel, DeliveryState};
use crate::refusal::PortalError;

/// Where the user stands in the journey; each step has its page.
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
    /// The method's name in the user's language (the site's own, when it gave one).
    pub label: String,
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

/// Why the journey ended without success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureReason {
    MaxAttemptsReached,
    VerificationExpired,
    InvalidRequest,
    RequestExpired,
    RequestReplayed,
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

    /// The journey had a valid request, so there is somewhere to go back to.
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
    /// The relying application's name, for "Continue to …" buttons.
    pub application_name: Option<String>,
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

/// A phone number, address or code inside a sentence, isolated left to right (U+2066 … U+2069):
/// in right-to-left text its `+`, dots and spaces would otherwise be reordered.
pub fn left_to_right(text: &str) -> String {
    format!("\u{2066}{text}\u{2069}")
}
