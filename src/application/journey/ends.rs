//! How a journey begins (a relying application's signed request, a host site's signed-in user)
//! and how it ends (a signed result back to the application, or the passed factor in the host's
//! session).

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::commands::{cancel, choose_method, factors};
use super::state::{ActiveRequest, Asker, Journey, Moved, Outcome, ReturnTo};
use super::steps::{current_step, offered_methods};
use super::view::Flash;
use crate::application::Application;
use crate::application::host::{HostUser, TwoFactorHost};
use crate::domain::Channel;
use crate::domain::{EmailAddress, Factors, PhoneNumber, UnixTime};
use crate::handoff::with_query_param;
use crate::refusal::PortalError;
use crate::view::FailureReason;

/// Opens a journey for a signed request from a relying application (`/start?request=…`).
pub async fn begin(app: &Application, session: &Session, token: &str, asker: Asker) -> Result<Moved, PortalError> {
    let request = match accept_request(app, token).await {
        Ok(request) => Ok(request),
        Err(error) => {
            tracing::info!(%error, "refused a verification request");
            Err(match error {
                PortalError::RequestExpired => FailureReason::RequestExpired,
                PortalError::RequestReplayed => FailureReason::RequestReplayed,
                PortalError::InvalidRequest => FailureReason::InvalidRequest,
                other => return Err(other),
            })
        }
    };
    open(app, session, request, asker).await
}

async fn accept_request(app: &Application, token: &str) -> Result<ActiveRequest, PortalError> {
    let now = app.verifier.now();
    let claims = app.client_keys.verify_request(token, now)?;
    if !app.allows_return_url(&claims.return_url) {
        tracing::warn!("a signed request names a return address outside the allowed origins");
        return Err(PortalError::InvalidRequest);
    }
    let phone = claims.phone.as_deref().map(|p| PhoneNumber::parse(None, p)).transpose().map_err(|_| PortalError::InvalidRequest)?;
    let email = claims.email.as_deref().map(EmailAddress::parse).transpose().map_err(|_| PortalError::InvalidRequest)?;
    if !app.store.claim_nonce(&claims.nonce, UnixTime(claims.exp), now).await? {
        return Err(PortalError::RequestReplayed);
    }
    app.store.ensure_user(&claims.sub, now).await?;
    Ok(ActiveRequest {
        subject: claims.sub,
        reference: claims.nonce.clone(),
        return_to: ReturnTo::Application {
            url: claims.return_url,
            nonce: claims.nonce,
            name: claims.app_name.or_else(|| app.settings.application_name.clone()),
        },
        rules: app.settings.user_rules(),
        vouched: Factors { phone, email },
    })
}

/// Opens a journey for the user a host site says is signed in, back to `next` afterwards.
pub async fn open_for_host_user(
    app: &Application,
    session: &Session,
    host: &dyn TwoFactorHost,
    user: HostUser,
    next: String,
    asker: Asker,
) -> Result<Moved, PortalError> {
    app.store.ensure_user(&user.id, app.verifier.now()).await?;
    let vouched = user.vouched(&app.settings.default_region);
    let rules = host.rules(&user, app.settings.user_rules()).await.restrict_methods(&app.settings.methods);
    open(app, session, Ok(ActiveRequest::for_host_page(user.id, next, rules, vouched)), asker).await
}

/// Starts a new journey in this browser, replacing whatever it was doing, under a fresh session
/// id. A user who cannot be sent a code by any method is told so at once; with a single method
/// and a known destination the code may go out at once too (`send_immediately_on_single`).
async fn open(
    app: &Application,
    session: &Session,
    mut request: Result<ActiveRequest, FailureReason>,
    asker: Asker,
) -> Result<Moved, PortalError> {
    // Starting over in a host site is the same request still: its wrong codes and destinations
    // keep counting. (A relying application's new request is a new request, with its own nonce.)
    if let (Ok(new), Some(old)) = (&mut request, Journey::load(session).await?.request)
        && matches!((&new.return_to, &old.return_to), (ReturnTo::HostPage { .. }, ReturnTo::HostPage { .. }))
        && new.subject == old.subject
    {
        new.reference = old.reference;
    }
    session.cycle_id().await?;
    // What the last page had to say belongs to the journey this one replaces.
    Flash::take(session).await?;
    let mut journey = match request {
        Ok(request) => Journey { request: Some(request), ..Journey::default() },
        Err(reason) => Journey { outcome: Some(Outcome::Failed(reason)), ..Journey::default() },
    };
    let factors = factors(app, &journey).await?;
    let mut send_now = None;
    if let Some(request) = &journey.request {
        let offered = offered_methods(&request.rules, &factors);
        let lacks_phone = request.rules.must_have_phone && factors.phone.is_none();
        if offered.is_empty() || (lacks_phone && !request.rules.registration.phone) {
            journey.outcome = Some(Outcome::Failed(FailureReason::NoMethodAvailable));
        } else if let ([only], false) = (offered.as_slice(), lacks_phone) {
            send_now = app.settings.send_immediately_on_single.then_some(*only).filter(|&c| factors.for_channel(c).is_some());
        }
    }
    journey.save(session).await?;
    match send_now {
        Some(channel) => choose_method(app, session, channel, asker).await,
        None => Ok(Moved::to(current_step(&journey, &factors, None))),
    }
}

/// The session key under which an embedded journey leaves the passed second factor.
pub const PASSED_KEY: &str = "twofa.passed";

/// A second factor this session passed, for the host site to check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactor {
    /// The host's id of the user who passed it.
    pub user_id: String,
    pub channel: Channel,
    pub at: UnixTime,
    /// The user registered this destination here, holding no factor before.
    #[serde(default)]
    pub first_enrolment: bool,
}

/// Ends the journey and gives the address to send the user back to: a relying application gets
/// a signed result after a success, `error=verification_failed` after a failure; a host page is
/// reached with the passed factor kept in the session. Nowhere without a request.
pub async fn finish(app: &Application, session: &Session) -> Result<Option<String>, PortalError> {
    let journey = Journey::load(session).await?;
    let Some(request) = &journey.request else { return Ok(None) };
    let target = match (&journey.outcome, &request.return_to) {
        (Some(Outcome::Verified(passed)), ReturnTo::Application { url, nonce, .. }) => {
            let token = app.client_keys.sign_result(&request.subject, passed, nonce, app.verifier.now());
            with_query_param(url, "result", &token)
        }
        (Some(Outcome::Verified(passed)), ReturnTo::HostPage { path }) => {
            let passed = SecondFactor {
                user_id: request.subject.clone(),
                channel: passed.channel,
                at: passed.at,
                first_enrolment: passed.first_enrolment,
            };
            session.insert(PASSED_KEY, passed).await?;
            path.clone()
        }
        (Some(Outcome::Failed(_)), ReturnTo::Application { url, .. }) => with_query_param(url, "error", "verification_failed"),
        (Some(Outcome::Failed(_)), ReturnTo::HostPage { path }) => path.clone(),
        (None, _) => return Ok(None),
    };
    Journey::default().save(session).await?;
    Flash::take(session).await?;
    Ok(Some(target))
}

/// "Not now" on a registration page, where registration is optional: the journey ends without
/// a second factor, towards `registration_optional_url` or back with `error=registration_skipped`.
pub async fn skip_registration(app: &Application, session: &Session) -> Result<Option<String>, PortalError> {
    let journey = Journey::load(session).await?;
    let Some(request) = journey.request.as_ref().filter(|r| r.rules.registration_optional && journey.outcome.is_none()) else {
        return Ok(None);
    };
    let target = match (&app.settings.registration_optional_url, &request.return_to) {
        (Some(url), _) => url.clone(),
        (None, ReturnTo::Application { url, .. }) => with_query_param(url, "error", "registration_skipped"),
        // Back to the guarded page would only bring the user here again.
        (None, ReturnTo::HostPage { .. }) => "/".to_owned(),
    };
    cancel(app, session).await?;
    Journey::default().save(session).await?;
    Flash::take(session).await?;
    Ok(Some(target))
}
