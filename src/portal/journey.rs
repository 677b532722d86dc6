//! A user's way through the portal, kept in the server-side session: which request they came
//! with, which method they chose, their pending verification and the outcome.
//!
//! Each operation returns the `Step` whose page the user should see next; pages render from
//! this state, so the flow reads the same with and without JavaScript.

use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use tower_sessions::Session;

use super::rules::UserRules;
use super::service::{Grounds, NewCode, Owner};
use crate::domain::{Channel, DeliveryState};
use crate::flow::{Addition, Destination, EmailAddress, Factors, PhoneNumber, Purpose, Status, UnixTime, VerificationId};
use crate::i18n::Locale;
use crate::identity::{PassedFactor, with_query_param};
use crate::protocol::{
    FailureReason, MethodOption, Notice, PendingCode, PhoneInput, PortalError, PortalView, ShownNotice, Step,
};
use crate::state::AppState;
use crate::texts::Wording;

const SESSION_KEY: &str = "twofa.flow";

/// Who asks, as each request tells: their language, and their address for the per-client send limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asker {
    pub locale: Locale,
    pub client: Option<IpAddr>,
}

/// The request the user is answering: who must verify, what they may do, where they go after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveRequest {
    pub subject: String,
    pub return_to: ReturnTo,
    pub rules: UserRules,
    /// The phone number or e-mail address the relying application (or host site) gave for the
    /// user: its word for this request, used where the portal verified none of that kind.
    #[serde(default)]
    pub vouched: Factors,
    /// Names the request among the user's verifications: its wrong codes count together.
    #[serde(default)]
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReturnTo {
    /// A relying application of the portal: the result goes back to `url`, signed, with the
    /// request's nonce.
    Application { url: String, nonce: String },
    /// A page of the site the pages are embedded in; the session keeps the passed factor.
    HostPage { path: String },
}

impl ActiveRequest {
    /// A request answered within a host site, which has no nonce of its own to name it by.
    pub fn for_host_page(subject: String, path: String, rules: UserRules, vouched: Factors) -> Self {
        let reference = crate::flow::VerificationId::generate().to_string();
        ActiveRequest { subject, return_to: ReturnTo::HostPage { path }, rules, vouched, reference }
    }

    /// The host of the relying application, for "back to …" links; none when embedded.
    fn application_host(&self) -> Option<String> {
        match &self.return_to {
            ReturnTo::Application { url, .. } => url::Url::parse(url).ok()?.host_str().map(str::to_owned),
            ReturnTo::HostPage { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Verified(PassedFactor),
    Failed(FailureReason),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowSession {
    pub request: Option<ActiveRequest>,
    pub channel: Option<Channel>,
    pub verification: Option<VerificationId>,
    pub outcome: Option<Outcome>,
    pub notice: Option<Notice>,
    pub phone_input: Option<PhoneInput>,
    pub email_input: Option<String>,
    /// The confirmed factor that let the pending code go to a destination being added: a switch
    /// to another channel for that destination rests on it too.
    pub added_after: Option<VerificationId>,
}

impl FlowSession {
    pub async fn load(session: &Session) -> Result<Self, PortalError> {
        Ok(session.get(SESSION_KEY).await?.unwrap_or_default())
    }

    pub async fn save(&self, session: &Session) -> Result<(), PortalError> {
        Ok(session.insert(SESSION_KEY, self).await?)
    }

    fn request(&self) -> Result<&ActiveRequest, PortalError> {
        self.request.as_ref().ok_or(PortalError::NoActiveRequest)
    }
}

/// Opens a flow for a signed request from a relying application (`/start?request=…`).
pub async fn begin(state: &AppState, session: &Session, token: &str, asker: Asker) -> Result<Step, PortalError> {
    let now = state.verifier.now();
    let request = match accept_request(state, token, now).await {
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
    open(state, session, request, asker).await
}

/// Starts a new flow in this browser, replacing whatever it was doing, under a fresh session id.
/// A user who cannot be sent a code by any method is told so at once; with a single method and
/// a known destination the code may go out at once too (`send_immediately_on_single`).
pub async fn open(
    state: &AppState,
    session: &Session,
    mut request: Result<ActiveRequest, FailureReason>,
    asker: Asker,
) -> Result<Step, PortalError> {
    // Starting over in a host site is the same request still: its wrong codes and destinations
    // keep counting. (A relying application's new request is a new request, with its own nonce.)
    if let (Ok(new), Some(old)) = (&mut request, FlowSession::load(session).await?.request)
        && matches!((&new.return_to, &old.return_to), (ReturnTo::HostPage { .. }, ReturnTo::HostPage { .. }))
        && new.subject == old.subject
    {
        new.reference = old.reference;
    }
    session.cycle_id().await?;
    let mut flow = match request {
        Ok(request) => FlowSession { request: Some(request), ..FlowSession::default() },
        Err(reason) => FlowSession { outcome: Some(Outcome::Failed(reason)), ..FlowSession::default() },
    };
    let factors = factors(state, &flow).await?;
    let mut send_now = None;
    if let Some(request) = &flow.request {
        let offered = offered_methods(&request.rules, &factors);
        let lacks_phone = request.rules.must_have_phone && factors.phone.is_none();
        if offered.is_empty() || (lacks_phone && !request.rules.registration.phone) {
            flow.outcome = Some(Outcome::Failed(FailureReason::NoMethodAvailable));
        } else if let ([only], false) = (offered.as_slice(), lacks_phone) {
            send_now = state.settings.send_immediately_on_single.then_some(*only).filter(|&c| factors.for_channel(c).is_some());
        }
    }
    flow.save(session).await?;
    match send_now {
        Some(channel) => choose_method(state, session, channel, asker).await,
        None => Ok(current_step(&flow, &factors, None)),
    }
}

async fn accept_request(state: &AppState, token: &str, now: UnixTime) -> Result<ActiveRequest, PortalError> {
    let claims = state.client_keys.verify_request(token, now)?;
    match url::Url::parse(&claims.return_url) {
        Ok(url) if state.settings.allows_return_to(&url) => {}
        _ => {
            tracing::warn!("a signed request names a return address outside the allowed origins");
            return Err(PortalError::InvalidRequest);
        }
    }
    let phone = claims.phone.as_deref().map(|p| PhoneNumber::parse(None, p)).transpose().map_err(|_| PortalError::InvalidRequest)?;
    let email = claims.email.as_deref().map(EmailAddress::parse).transpose().map_err(|_| PortalError::InvalidRequest)?;
    if !state.store.claim_nonce(&claims.nonce, UnixTime(claims.exp), now).await? {
        return Err(PortalError::RequestReplayed);
    }
    state.store.ensure_user(&claims.sub, now).await?;
    Ok(ActiveRequest {
        subject: claims.sub,
        reference: claims.nonce.clone(),
        return_to: ReturnTo::Application { url: claims.return_url, nonce: claims.nonce },
        rules: state.settings.user_rules(),
        vouched: Factors { phone, email },
    })
}

/// The user's factors in this flow: the destinations the portal verified, completed by the ones
/// the request vouches for.
async fn factors(state: &AppState, flow: &FlowSession) -> Result<Factors, PortalError> {
    Ok(match &flow.request {
        Some(request) => state.store.factors(&request.subject).await?.or(&request.vouched),
        None => Factors::default(),
    })
}

/// The methods offered to this user: allowed by their rules, and with a destination that is
/// known or that they may register.
pub fn offered_methods(rules: &UserRules, factors: &Factors) -> Vec<Channel> {
    rules.usable_methods(|channel| factors.for_channel(channel).is_some())
}

/// The page state for the current user. Reading it consumes the one-time notice.
/// `browser_region` (from the browser's languages) preselects the country of a new number.
pub async fn view(
    state: &AppState,
    session: &Session,
    browser_region: Option<String>,
    locale: Locale,
) -> Result<PortalView, PortalError> {
    let mut flow = FlowSession::load(session).await?;
    let notice = flow.notice.take();
    let phone_input = flow.phone_input.take();
    let email_input = flow.email_input.take();
    if notice.is_some() || phone_input.is_some() || email_input.is_some() {
        flow.save(session).await?;
    }
    let factors = factors(state, &flow).await?;
    let pending = pending_code(state, &flow).await?;
    let step = current_step(&flow, &factors, pending.as_ref().map(|(_, status)| *status));
    let settings = &state.settings;
    let wording = Wording::new(locale, &settings.messages);
    let rules = flow.request.as_ref().map(|request| request.rules.clone()).unwrap_or_else(|| settings.user_rules());
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
        channel: chosen_channel(&flow, &factors),
        pending: pending.filter(|_| step == Step::EnterCode).map(|(pending, _)| pending),
        failure: match flow.outcome {
            Some(Outcome::Failed(reason)) => Some(reason),
            _ => None,
        },
        return_host: flow.request.as_ref().and_then(ActiveRequest::application_host),
        notice: notice.map(|notice| ShownNotice { text: wording.notice(&notice), notice }),
        phone_input: phone_input.unwrap_or(PhoneInput { country: default_country, number: String::new() }),
        email_input: email_input.unwrap_or_default(),
        has_phone: factors.phone.is_some(),
        has_email: factors.email.is_some(),
        can_change_phone: rules.change.phone,
        can_change_email: rules.change.email,
        registration_optional: rules.registration_optional && step != Step::EnterCode,
        demo: state.serves_demo(),
        mount: state.mount.clone(),
    })
}

/// The step of a flow with no pending code, loading its user's factors.
async fn step_without_code(state: &AppState, flow: &FlowSession) -> Result<Step, PortalError> {
    Ok(current_step(flow, &factors(state, flow).await?, None))
}

async fn pending_code(state: &AppState, flow: &FlowSession) -> Result<Option<(PendingCode, Status)>, PortalError> {
    let (Some(request), Some(id)) = (&flow.request, &flow.verification) else { return Ok(None) };
    let status = match state.verifier.status(Owner::session(&request.subject), id).await {
        Ok(status) => status,
        Err(PortalError::VerificationNotFound) => return Ok(None),
        Err(other) => return Err(other),
    };
    let pending = PendingCode {
        channel: status.channel,
        destination: status.destination.masked(),
        code_length: state.verifier.policy().code_length,
        attempts_left: status.attempts_left,
        attempts: status.attempts,
        sends: status.sends,
        resend_in: status.resend_in,
        expires_in: status.expires_in,
        delivery: status.delivery,
    };
    Ok(Some((pending, status.status)))
}

/// The method of this flow: the user's choice, or the only one offered.
fn chosen_channel(flow: &FlowSession, factors: &Factors) -> Option<Channel> {
    let request = flow.request.as_ref()?;
    match offered_methods(&request.rules, factors).as_slice() {
        [only] => Some(*only),
        _ => flow.channel,
    }
}

/// The step for a flow whose user holds `factors`.
fn current_step(flow: &FlowSession, factors: &Factors, pending: Option<Status>) -> Step {
    match (&flow.outcome, &flow.request) {
        (Some(Outcome::Failed(_)), _) => Step::Failed,
        (_, None) => Step::NoRequest,
        (Some(Outcome::Verified(_)), Some(_)) => Step::Verified,
        (None, Some(request)) => match pending {
            Some(Status::Pending | Status::Expired) => Step::EnterCode,
            _ if request.rules.must_have_phone && factors.phone.is_none() => Step::RegisterPhone,
            _ => match chosen_channel(flow, factors) {
                None => Step::ChooseMethod,
                Some(channel) => {
                    // With a known destination the picker asks before sending, even for one method.
                    match (factors.for_channel(channel).is_some(), channel.uses_phone()) {
                        (true, _) => Step::ChooseMethod,
                        (false, true) => Step::RegisterPhone,
                        (false, false) => Step::RegisterEmail,
                    }
                }
            },
        },
    }
}

/// Runs `operation` on the session's flow and saves it whatever the result: a refusal becomes the
/// notice of the page the user is sent back to, so nothing they typed is lost. A flow that has
/// ended stays on its outcome: nothing after a failure leads to success.
async fn with_flow<F>(session: &Session, back_to: Step, operation: F) -> Result<Step, PortalError>
where
    F: AsyncFnOnce(&mut FlowSession) -> Result<Step, PortalError>,
{
    let mut flow = FlowSession::load(session).await?;
    if let Some(ended) = ended(&flow) {
        return Ok(ended);
    }
    let next = match operation(&mut flow).await {
        Ok(step) => step,
        Err(error @ (PortalError::Unavailable | PortalError::NoActiveRequest)) => return Err(error),
        Err(error) => {
            flow.notice = Some(Notice::Error(error));
            back_to
        }
    };
    flow.save(session).await?;
    Ok(next)
}

/// The page of a flow that has reached its outcome.
fn ended(flow: &FlowSession) -> Option<Step> {
    match flow.outcome {
        Some(Outcome::Verified(_)) => Some(Step::Verified),
        Some(Outcome::Failed(_)) => Some(Step::Failed),
        None => None,
    }
}

async fn cancel_pending(state: &AppState, flow: &mut FlowSession) -> Result<(), PortalError> {
    if let (Some(request), Some(id)) = (&flow.request, flow.verification.take()) {
        match state.verifier.cancel(Owner::session(&request.subject), &id).await {
            Ok(()) | Err(PortalError::VerificationNotFound) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(())
}

/// Sends the first code of a new verification and moves to the token page.
async fn send_first_code(
    state: &AppState,
    flow: &mut FlowSession,
    destination: Destination,
    channel: Channel,
    grounds: Grounds,
    asker: Asker,
) -> Result<Step, PortalError> {
    let added_after = match &grounds {
        Grounds::AddedAfter(proof) => Some(proof.clone()),
        Grounds::Own | Grounds::ThenAdd(_) => None,
    };
    let request = flow.request()?;
    let new = NewCode {
        owner: Owner::session(&request.subject),
        vouched: &request.vouched,
        request: Some(&request.reference),
        client: asker.client,
        destination,
        channel,
        grounds,
    };
    // The code the user has keeps working until a new one is actually on its way.
    let status = state.verifier.start(new, asker.locale).await?;
    cancel_pending(state, flow).await?;
    flow.channel = Some(channel);
    flow.verification = Some(status.id);
    flow.added_after = added_after;
    flow.notice = Some(Notice::CodeSent);
    Ok(Step::EnterCode)
}

/// Sends a code to `new`, a destination the user gives: at once when it is one of their
/// factors or they hold none, else first to one of their factors (the new one gets its code
/// once that one is entered, see `check_code`).
async fn add_destination(
    state: &AppState,
    flow: &mut FlowSession,
    factors: &Factors,
    new: Destination,
    channel: Channel,
    asker: Asker,
) -> Result<Step, PortalError> {
    if factors.purpose_of(&new).is_some() {
        return send_first_code(state, flow, new, channel, Grounds::Own, asker).await;
    }
    let methods = &flow.request()?.rules.methods;
    let (factor, by) =
        factors.to_confirm_before(&new, methods, &state.verifier.policy().number_types).ok_or(PortalError::FactorConfirmationRequired)?;
    let step = send_first_code(state, flow, factor, by, Grounds::ThenAdd(Addition { destination: new, channel }), asker).await?;
    flow.notice = Some(Notice::ConfirmCurrentFactor);
    Ok(step)
}

/// Refuses a method this user is not offered.
async fn ensure_offered(state: &AppState, flow: &FlowSession, channel: Channel) -> Result<Factors, PortalError> {
    let request = flow.request()?;
    let factors = factors(state, flow).await?;
    if offered_methods(&request.rules, &factors).contains(&channel) { Ok(factors) } else { Err(PortalError::MethodNotAllowed) }
}

/// Picks the method for the destination the caller gives next (the JSON API's `send` with a number).
pub async fn select_method(state: &AppState, session: &Session, channel: Channel) -> Result<(), PortalError> {
    let mut flow = FlowSession::load(session).await?;
    if ended(&flow).is_some() {
        return Err(PortalError::VerificationCanceled);
    }
    ensure_offered(state, &flow, channel).await?;
    flow.channel = Some(channel);
    flow.save(session).await
}

/// The user picked a method: send at once to a known destination, or ask for one.
pub async fn choose_method(state: &AppState, session: &Session, channel: Channel, asker: Asker) -> Result<Step, PortalError> {
    with_flow(session, Step::ChooseMethod, async |flow| {
        let factors = ensure_offered(state, flow, channel).await?;
        flow.channel = Some(channel);
        if flow.request()?.rules.must_have_phone && factors.phone.is_none() {
            return Ok(Step::RegisterPhone);
        }
        match factors.for_channel(channel) {
            Some(destination) => send_first_code(state, flow, destination, channel, Grounds::Own, asker).await,
            None if channel.uses_phone() => Ok(Step::RegisterPhone),
            None => Ok(Step::RegisterEmail),
        }
    })
    .await
}

/// A new or changed phone number: it is saved only once its own code is entered, after a code to
/// one of the user's factors when they hold one.
pub async fn register_phone(
    state: &AppState,
    session: &Session,
    input: PhoneInput,
    asker: Asker,
) -> Result<Step, PortalError> {
    with_flow(session, Step::RegisterPhone, async |flow| {
        flow.phone_input = Some(input.clone()).filter(PhoneInput::fits);
        let factors = factors(state, flow).await?;
        let rules = &flow.request()?.rules;
        let channel = chosen_channel(flow, &factors)
            .filter(|c| c.uses_phone())
            .or_else(|| rules.methods.iter().copied().find(|c| c.uses_phone()))
            .ok_or(PortalError::MethodNotAllowed)?;
        let phone = PhoneNumber::parse(Some(&input.country), &input.number)?;
        let new = Destination::Phone(phone.clone());
        state.verifier.policy().ensure_destination_allowed(&new, channel)?;
        rules.ensure_may_set(channel, factors.of_kind(&new).as_ref(), &new)?;
        if !factors.holds(&new) {
            super::line_types::check_new_number(state, &phone, channel).await?;
        }
        let step = add_destination(state, flow, &factors, new, channel, asker).await?;
        flow.phone_input = None;
        Ok(step)
    })
    .await
}

pub async fn register_email(state: &AppState, session: &Session, input: String, asker: Asker) -> Result<Step, PortalError> {
    with_flow(session, Step::RegisterEmail, async |flow| {
        flow.email_input = Some(input.clone()).filter(|email| crate::bounds::fits(email, crate::bounds::EMAIL));
        let factors = ensure_offered(state, flow, Channel::Email).await?;
        let new = Destination::Email(EmailAddress::parse(&input)?);
        flow.request()?.rules.ensure_may_set(Channel::Email, factors.of_kind(&new).as_ref(), &new)?;
        let step = add_destination(state, flow, &factors, new, Channel::Email, asker).await?;
        flow.email_input = None;
        Ok(step)
    })
    .await
}

pub async fn check_code(state: &AppState, session: &Session, typed: &str, asker: Asker) -> Result<Step, PortalError> {
    let step = with_flow(session, Step::EnterCode, async |flow| {
        let subject = flow.request()?.subject.clone();
        let id = flow.verification.clone().ok_or(PortalError::VerificationNotFound)?;
        match state.verifier.check(Owner::session(&subject), &id, typed).await {
            // A factor is confirmed: now the destination being added gets its code.
            Ok(approval) if approval.then_add.is_some() => {
                let Addition { destination, channel } = approval.then_add.expect("checked above");
                let step = send_first_code(state, flow, destination, channel, Grounds::AddedAfter(approval.id), asker).await?;
                flow.notice = Some(Notice::ConfirmNewDestination);
                Ok(step)
            }
            Ok(approval) => {
                state.verifier.tell_earlier_factors(&approval, asker.locale).await;
                flow.outcome = Some(Outcome::Verified(PassedFactor {
                    channel: approval.channel,
                    at: approval.at,
                    first_enrolment: approval.purpose == Purpose::FirstEnrolment,
                }));
                Ok(Step::Verified)
            }
            Err(PortalError::MaxAttemptsReached) => {
                let reason = if state.settings.cancel_on_max_attempts {
                    FailureReason::RequestCanceled
                } else {
                    FailureReason::MaxAttemptsReached
                };
                flow.outcome = Some(Outcome::Failed(reason));
                Ok(Step::Failed)
            }
            Err(PortalError::VerificationExpired) => {
                flow.outcome = Some(Outcome::Failed(FailureReason::VerificationExpired));
                Ok(Step::Failed)
            }
            Err(error @ (PortalError::VerificationNotFound | PortalError::VerificationCanceled | PortalError::CodeAlreadyUsed)) => {
                flow.verification = None;
                flow.notice = Some(Notice::Error(error));
                Ok(Step::ChooseMethod)
            }
            Err(other) => Err(other),
        }
    })
    .await?;
    if step == Step::Verified {
        // The session now carries a passed second factor: give it a new id.
        session.cycle_id().await?;
    }
    Ok(step)
}

pub async fn resend_code(state: &AppState, session: &Session, asker: Asker) -> Result<Step, PortalError> {
    with_flow(session, Step::EnterCode, async |flow| {
        let subject = flow.request()?.subject.clone();
        let id = flow.verification.clone().ok_or(PortalError::VerificationNotFound)?;
        state.verifier.resend(Owner::session(&subject), &id, asker.client, asker.locale).await?;
        flow.notice = Some(Notice::CodeResent);
        Ok(Step::EnterCode)
    })
    .await
}

/// The delivery state of the pending code, if there is one.
pub async fn delivery_state(state: &AppState, session: &Session) -> Result<Option<DeliveryState>, PortalError> {
    let flow = FlowSession::load(session).await?;
    let (Some(request), Some(id)) = (&flow.request, &flow.verification) else { return Ok(None) };
    Ok(state.verifier.status(Owner::session(&request.subject), id).await?.delivery)
}

/// "Call me instead" / "Text me instead": the pending code's number, by the other phone channel.
pub async fn switch_channel(state: &AppState, session: &Session, channel: Channel, asker: Asker) -> Result<Step, PortalError> {
    with_flow(session, Step::EnterCode, async |flow| {
        ensure_offered(state, flow, channel).await?;
        let subject = flow.request()?.subject.clone();
        let id = flow.verification.clone().ok_or(PortalError::VerificationNotFound)?;
        let pending = state.verifier.status(Owner::session(&subject), &id).await?;
        if !(channel.uses_phone() && pending.channel.uses_phone()) {
            return Err(PortalError::MethodNotAllowed);
        }
        let grounds = flow.added_after.clone().map_or(Grounds::Own, Grounds::AddedAfter);
        send_first_code(state, flow, pending.destination, channel, grounds, asker).await
    })
    .await
}

/// The user gives up the pending code: it is canceled, and the method picker comes back.
pub async fn cancel(state: &AppState, session: &Session) -> Result<Step, PortalError> {
    with_flow(session, Step::ChooseMethod, async |flow| {
        flow.request()?;
        cancel_pending(state, flow).await?;
        flow.channel = None;
        Ok(Step::ChooseMethod)
    })
    .await
}

/// Takes the refusal a journey operation left for the next page, for callers that answer
/// at once instead (the JSON API).
pub async fn take_refusal(session: &Session) -> Result<Option<PortalError>, PortalError> {
    let mut flow = FlowSession::load(session).await?;
    let Some(Notice::Error(error)) = flow.notice.clone() else { return Ok(None) };
    flow.notice = None;
    flow.phone_input = None;
    flow.email_input = None;
    flow.save(session).await?;
    Ok(Some(error))
}

/// "Try again" after a failure that allows it: back to the method picker.
pub async fn restart(state: &AppState, session: &Session) -> Result<Step, PortalError> {
    let mut flow = FlowSession::load(session).await?;
    if let Some(Outcome::Failed(reason)) = flow.outcome
        && reason.can_retry()
        && flow.request.is_some()
    {
        flow.outcome = None;
        flow.verification = None;
        flow.channel = None;
        flow.save(session).await?;
    }
    step_without_code(state, &flow).await
}

/// The session key under which an embedded flow leaves the passed second factor.
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

/// Ends the flow and gives the address to send the user back to: a relying application gets a
/// signed result after a success, `error=verification_failed` after a failure; a host page is
/// reached with the passed factor kept in the session. Nowhere without a request.
pub async fn finish(state: &AppState, session: &Session) -> Result<Option<String>, PortalError> {
    let flow = FlowSession::load(session).await?;
    let Some(request) = &flow.request else { return Ok(None) };
    let target = match (&flow.outcome, &request.return_to) {
        (Some(Outcome::Verified(passed)), ReturnTo::Application { url, nonce }) => {
            let token = state.client_keys.sign_result(&request.subject, passed, nonce, state.verifier.now());
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
    FlowSession::default().save(session).await?;
    Ok(Some(target))
}

/// "Not now" on a registration page, where registration is optional: the flow ends without a
/// second factor, towards `registration_optional_url` or back with `error=registration_skipped`.
pub async fn skip_registration(state: &AppState, session: &Session) -> Result<Option<String>, PortalError> {
    let flow = FlowSession::load(session).await?;
    let Some(request) = flow.request.as_ref().filter(|r| r.rules.registration_optional && flow.outcome.is_none()) else {
        return Ok(None);
    };
    let target = match (&state.settings.registration_optional_url, &request.return_to) {
        (Some(url), _) => url.clone(),
        (None, ReturnTo::Application { url, .. }) => with_query_param(url, "error", "registration_skipped"),
        // Back to the guarded page would only bring the user here again.
        (None, ReturnTo::HostPage { .. }) => "/".to_owned(),
    };
    cancel(state, session).await?;
    FlowSession::default().save(session).await?;
    Ok(Some(target))
}
