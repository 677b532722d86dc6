//! What a page shows: read from the journey, the user's factors and the pending code, with the
//! one-time notice and the refused input that the page adapter flashed for it.

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::commands::factors;
use super::state::{ActiveRequest, Journey, Outcome};
use super::steps::{chosen_channel, current_step, offered_methods};
use crate::application::{Application, Owner};
use crate::domain::DeliveryState;
use crate::domain::Status;
use crate::i18n::Locale;
use crate::refusal::PortalError;
use crate::view::{MethodOption, Notice, PendingCode, PhoneInput, PortalView, ShownNotice, Step};
use crate::wording::Wording;

const FLASH_KEY: &str = "twofa.flash";

/// The outcome of the last form the user sent, for the next page only: what to tell them, and
/// what they typed when it was refused, so nothing is lost.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub notice: Option<Notice>,
    pub phone_input: Option<PhoneInput>,
    pub email_input: Option<String>,
}

impl Flash {
    pub async fn put(self, session: &Session) -> Result<(), PortalError> {
        Ok(session.insert(FLASH_KEY, self).await?)
    }

    /// The flash, gone from the session once read; a session without one is not written.
    pub async fn take(session: &Session) -> Result<Self, PortalError> {
        match session.get::<Flash>(FLASH_KEY).await? {
            Some(flash) => {
                session.remove::<Flash>(FLASH_KEY).await?;
                Ok(flash)
            }
            None => Ok(Flash::default()),
        }
    }
}

/// The page state for the current user. `browser_region` (from the browser's languages)
/// preselects the country of a new number.
pub async fn view(
    app: &Application,
    session: &Session,
    flash: Flash,
    browser_region: Option<String>,
    locale: Locale,
) -> Result<PortalView, PortalError> {
    let journey = Journey::load(session).await?;
    let factors = factors(app, &journey).await?;
    let pending = pending_status(app, &journey).await?;
    let step = current_step(&journey, &factors, pending.as_ref().map(|(_, status)| *status));
    let settings = &app.settings;
    let wording = Wording::new(locale, &settings.messages);
    let rules = journey.request.as_ref().map(|request| request.rules.clone()).unwrap_or_else(|| settings.user_rules());
    let default_country = factors
        .phone
        .as_ref()
        .and_then(|phone| phone.region())
        .or(browser_region)
        .unwrap_or_else(|| settings.default_region.clone());
    Ok(PortalView {
        step,
        service_name: settings.service_name.clone(),
        methods: offered_methods(&rules, &factors)
            .into_iter()
            .map(|channel| MethodOption {
                channel,
                destination: factors.for_channel(channel).map(|d| d.masked()),
                label: wording.channel(channel),
                icon: settings.method_icons.get(&channel).cloned(),
            })
            .collect(),
        channel: chosen_channel(&journey, &factors),
        pending: pending.filter(|_| step == Step::EnterCode).map(|(pending, _)| pending),
        failure: match journey.outcome {
            Some(Outcome::Failed(reason)) => Some(reason),
            _ => None,
        },
        application_name: journey.request.as_ref().and_then(ActiveRequest::application_name),
        notice: flash.notice.map(|notice| ShownNotice { text: wording.notice(&notice), notice }),
        phone_input: flash.phone_input.unwrap_or(PhoneInput { country: default_country, number: String::new() }),
        email_input: flash.email_input.unwrap_or_default(),
        has_phone: factors.phone.is_some(),
        has_email: factors.email.is_some(),
        can_change_phone: rules.change.phone,
        can_change_email: rules.change.email,
        registration_optional: rules.registration_optional && step != Step::EnterCode,
        demo: app.serves_demo(),
        mount: app.mount.clone(),
    })
}

async fn pending_status(app: &Application, journey: &Journey) -> Result<Option<(PendingCode, Status)>, PortalError> {
    let (Some(request), Some(id)) = (&journey.request, &journey.verification) else { return Ok(None) };
    match app.verifier.status(Owner::session(&request.subject), id).await {
        Ok(status) => Ok(Some((status.shown, status.status))),
        Err(PortalError::VerificationNotFound) => Ok(None),
        Err(other) => Err(other),
    }
}

/// The delivery state of the pending code, if there is one.
pub async fn delivery_state(app: &Application, session: &Session) -> Result<Option<DeliveryState>, PortalError> {
    let journey = Journey::load(session).await?;
    let (Some(request), Some(id)) = (&journey.request, &journey.verification) else { return Ok(None) };
    Ok(app.verifier.status(Owner::session(&request.subject), id).await?.shown.delivery)
}
