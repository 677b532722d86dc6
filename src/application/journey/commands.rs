//! What the user does on the pages (or through the session's JSON API): each command changes the
//! journey and returns where it leads, or the refusal it met. A journey that has ended stays on
//! its outcome: nothing after a failure leads to success.

use tower_sessions::Session;

use super::state::{Asker, Journey, Moved, Outcome};
use super::steps::{chosen_channel, current_step, offered_methods};
use crate::application::{Application, CodeStatus, Grounds, NewCode, Owner};
use crate::domain::Channel;
use crate::domain::{Addition, Destination, EmailAddress, Factors, PhoneNumber, Purpose};
use crate::handoff::PassedFactor;
use crate::refusal::PortalError;
use crate::view::{FailureReason, Notice, PhoneInput, Step};

/// Runs `command` on the session's journey and saves what it changed, refusal or not (a refusal
/// may end the pending code), unless storage failed or there is no journey to save. A command
/// that changed nothing (a wrong code, a refused resend) writes no session.
async fn on_journey<F>(session: &Session, command: F) -> Result<Moved, PortalError>
where
    F: AsyncFnOnce(&mut Journey) -> Result<Moved, PortalError>,
{
    let mut journey = Journey::load(session).await?;
    if let Some(ended) = journey.ended() {
        return Ok(Moved::to(ended));
    }
    let before = journey.clone();
    let result = command(&mut journey).await;
    if journey != before && !matches!(result, Err(PortalError::Unavailable | PortalError::NoActiveRequest)) {
        journey.save(session).await?;
    }
    result
}

/// The user's factors in this journey: the destinations the portal verified, completed by the
/// ones the request vouches for.
pub(super) async fn factors(app: &Application, journey: &Journey) -> Result<Factors, PortalError> {
    Ok(match &journey.request {
        Some(request) => app.store.factors(&request.subject).await?.or(&request.vouched),
        None => Factors::default(),
    })
}

/// Refuses a method this user is not offered.
async fn ensure_offered(app: &Application, journey: &Journey, channel: Channel) -> Result<Factors, PortalError> {
    let request = journey.request()?;
    let factors = factors(app, journey).await?;
    if offered_methods(&request.rules, &factors).contains(&channel) { Ok(factors) } else { Err(PortalError::MethodNotAllowed) }
}

async fn cancel_pending(app: &Application, journey: &mut Journey) -> Result<(), PortalError> {
    if let (Some(request), Some(id)) = (&journey.request, journey.verification.take()) {
        match app.verifier.cancel(Owner::session(&request.subject), &id).await {
            // An approved code (a factor confirmed before an addition) has done its part.
            Ok(()) | Err(PortalError::VerificationNotFound | PortalError::AlreadyApproved) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(())
}

/// Sends the first code of a new verification and moves to the token page.
async fn send_first_code(
    app: &Application,
    journey: &mut Journey,
    destination: Destination,
    channel: Channel,
    grounds: Grounds,
    asker: Asker,
) -> Result<CodeStatus, PortalError> {
    let added_after = match &grounds {
        Grounds::AddedAfter(proof) => Some(proof.clone()),
        Grounds::Own | Grounds::ThenAdd(_) => None,
    };
    let request = journey.request()?;
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
    let status = app.verifier.start(new, asker.locale).await?;
    cancel_pending(app, journey).await?;
    journey.channel = Some(channel);
    journey.verification = Some(status.id.clone());
    journey.added_after = added_after;
    Ok(status)
}

/// Sends the first code for `given`, a destination the user gives, as the one rule for it says.
async fn send_to_given(
    app: &Application,
    journey: &mut Journey,
    factors: &Factors,
    given: Destination,
    channel: Channel,
    asker: Asker,
) -> Result<Moved, PortalError> {
    let first = app.first_code_to(&journey.request()?.rules, factors, given, channel).await?;
    let sent = send_first_code(app, journey, first.destination, first.channel, first.grounds, asker).await?;
    Ok(Moved::code_sent(first.news, &sent))
}

/// The user picked a method: send at once to a known destination, or ask for one.
pub async fn choose_method(app: &Application, session: &Session, channel: Channel, asker: Asker) -> Result<Moved, PortalError> {
    on_journey(session, async |journey| {
        let factors = ensure_offered(app, journey, channel).await?;
        journey.channel = Some(channel);
        if journey.request()?.rules.must_have_phone && factors.phone.is_none() {
            return Ok(Moved::to(Step::RegisterPhone));
        }
        match factors.for_channel(channel) {
            Some(destination) => {
                let sent = send_first_code(app, journey, destination, channel, Grounds::Own, asker).await?;
                Ok(Moved::code_sent(Notice::CodeSent, &sent))
            }
            None if channel.uses_phone() => Ok(Moved::to(Step::RegisterPhone)),
            None => Ok(Moved::to(Step::RegisterEmail)),
        }
    })
    .await
}

/// A new or changed phone number, by `channel` (else the chosen phone method, else the first one
/// offered): it is saved only once its own code is entered, after a code to one of the user's
/// factors when they hold one.
pub async fn register_phone(
    app: &Application,
    session: &Session,
    input: &PhoneInput,
    channel: Option<Channel>,
    asker: Asker,
) -> Result<Moved, PortalError> {
    on_journey(session, async |journey| {
        let factors = match channel {
            Some(channel) => {
                let factors = ensure_offered(app, journey, channel).await?;
                // The method stays chosen even if the number is refused.
                journey.channel = Some(channel);
                factors
            }
            None => factors(app, journey).await?,
        };
        let rules = &journey.request()?.rules;
        let channel = channel
            .or_else(|| chosen_channel(journey, &factors))
            .filter(|c| c.uses_phone())
            .or_else(|| rules.methods.iter().copied().find(|c| c.uses_phone()))
            .ok_or(PortalError::MethodNotAllowed)?;
        let phone = PhoneNumber::parse(Some(&input.country), &input.number)?;
        send_to_given(app, journey, &factors, Destination::Phone(phone), channel, asker).await
    })
    .await
}

pub async fn register_email(app: &Application, session: &Session, input: &str, asker: Asker) -> Result<Moved, PortalError> {
    on_journey(session, async |journey| {
        let factors = ensure_offered(app, journey, Channel::Email).await?;
        let given = Destination::Email(EmailAddress::parse(input)?);
        send_to_given(app, journey, &factors, given, Channel::Email, asker).await
    })
    .await
}

pub async fn check_code(app: &Application, session: &Session, typed: &str, asker: Asker) -> Result<Moved, PortalError> {
    let moved = on_journey(session, async |journey| {
        let subject = journey.request()?.subject.clone();
        let id = journey.verification.clone().ok_or(PortalError::VerificationNotFound)?;
        match app.verifier.check(Owner::session(&subject), &id, typed).await {
            Ok(approval) => match approval.then_add.clone() {
                // A factor is confirmed: now the destination being added gets its code.
                Some(Addition { destination, channel }) => {
                    let sent = send_first_code(app, journey, destination, channel, Grounds::AddedAfter(approval.id), asker).await?;
                    Ok(Moved::code_sent(Notice::ConfirmNewDestination, &sent))
                }
                None => {
                    app.verifier.tell_earlier_factors(&approval, asker.locale).await;
                    journey.outcome = Some(Outcome::Verified(PassedFactor {
                        channel: approval.channel,
                        at: approval.at,
                        first_enrolment: approval.purpose == Purpose::FirstEnrolment,
                    }));
                    Ok(Moved::to(Step::Verified))
                }
            },
            Err(PortalError::MaxAttemptsReached) => {
                let reason = match app.settings.cancel_on_max_attempts {
                    true => FailureReason::RequestCanceled,
                    false => FailureReason::MaxAttemptsReached,
                };
                journey.outcome = Some(Outcome::Failed(reason));
                Ok(Moved::to(Step::Failed))
            }
            Err(PortalError::VerificationExpired) => {
                journey.outcome = Some(Outcome::Failed(FailureReason::VerificationExpired));
                Ok(Moved::to(Step::Failed))
            }
            // The code is gone: the user picks a method again.
            Err(error @ (PortalError::VerificationNotFound | PortalError::VerificationCanceled | PortalError::CodeAlreadyUsed)) => {
                journey.verification = None;
                Err(error)
            }
            Err(other) => Err(other),
        }
    })
    .await?;
    if moved.step == Step::Verified {
        // The session now carries a passed second factor: give it a new id.
        session.cycle_id().await?;
    }
    Ok(moved)
}

pub async fn resend_code(app: &Application, session: &Session, asker: Asker) -> Result<Moved, PortalError> {
    on_journey(session, async |journey| {
        let subject = journey.request()?.subject.clone();
        let id = journey.verification.clone().ok_or(PortalError::VerificationNotFound)?;
        let sent = app.verifier.resend(Owner::session(&subject), &id, asker.client, asker.locale).await?;
        Ok(Moved::code_sent(Notice::CodeResent, &sent))
    })
    .await
}

/// "Call me instead" / "Text me instead": the pending code's number, by the other phone channel.
pub async fn switch_channel(app: &Application, session: &Session, channel: Channel, asker: Asker) -> Result<Moved, PortalError> {
    on_journey(session, async |journey| {
        ensure_offered(app, journey, channel).await?;
        let subject = journey.request()?.subject.clone();
        let id = journey.verification.clone().ok_or(PortalError::VerificationNotFound)?;
        let pending = app.verifier.status(Owner::session(&subject), &id).await?;
        if !(channel.uses_phone() && pending.shown.channel.uses_phone()) {
            return Err(PortalError::MethodNotAllowed);
        }
        let grounds = journey.added_after.clone().map_or(Grounds::Own, Grounds::AddedAfter);
        let sent = send_first_code(app, journey, pending.destination, channel, grounds, asker).await?;
        Ok(Moved::code_sent(Notice::CodeSent, &sent))
    })
    .await
}

/// The user gives up the pending code: it is canceled, and the method picker comes back.
pub async fn cancel(app: &Application, session: &Session) -> Result<Moved, PortalError> {
    on_journey(session, async |journey| {
        journey.request()?;
        cancel_pending(app, journey).await?;
        journey.channel = None;
        Ok(Moved::to(Step::ChooseMethod))
    })
    .await
}

/// "Try again" after a failure that allows it: back to the method picker.
pub async fn restart(app: &Application, session: &Session) -> Result<Moved, PortalError> {
    let mut journey = Journey::load(session).await?;
    if let Some(Outcome::Failed(reason)) = journey.outcome
        && reason.can_retry()
        && journey.request.is_some()
    {
        journey.outcome = None;
        journey.verification = None;
        journey.channel = None;
        journey.save(session).await?;
    }
    Ok(Moved::to(current_step(&journey, &factors(app, &journey).await?, None)))
}
