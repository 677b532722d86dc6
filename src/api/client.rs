//! The JSON API for API clients: a relying application's server, holding `TWOFA_API_KEY`, drives
//! a verification for a user it names, without a browser session (django-twilio-2fa's
//! "unauthenticated users", with the key in place of trusting whoever names a user).
//!
//! Each verification an API client starts is bound to API clients: its `verification_id` is
//! answered to the client, and a browser session's verification is `verification_not_found` here.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use super::{Checked, CodeSent, Method, Refusal, refusal};
use crate::bounds;
use crate::domain::Channel;
use crate::domain::{Addition, Destination, EmailAddress, Factors, PhoneNumber, Purpose, VerificationId};
use crate::i18n::{Locale, td_string};
use crate::application::destinations::FirstCode;
use crate::application::journey::offered_methods;
use crate::application::{Application, Approval, CodeStatus, Grounds, NewCode, Owner};
use crate::refusal::PortalError;
use crate::view::Notice;
use crate::wording::Wording;
use crate::extract::locale::locale_of;

/// Who makes an API call: a browser session (no `Authorization`: the session cookie binds it), or
/// an API client, whose key is checked before anything else of the call is read. Every `/api/v1`
/// handler takes it before its body, so a wrong key is `invalid_api_key` whatever the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    Browser,
    ApiClient,
}

impl FromRequestParts<Application> for Caller {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, app: &Application) -> Result<Self, Self::Rejection> {
        caller(app, &parts.headers).map_err(|error| refusal(app, locale_of(&parts.headers), error))
    }
}

fn caller(app: &Application, headers: &HeaderMap) -> Result<Caller, PortalError> {
    use secrecy::ExposeSecret;
    use subtle::ConstantTimeEq;
    let Some(given) = headers.get(header::AUTHORIZATION) else { return Ok(Caller::Browser) };
    let given = given.to_str().ok().and_then(bearer_token).unwrap_or_default();
    match &app.settings.api_key {
        Some(key) if bool::from(given.as_bytes().ct_eq(key.expose_secret().as_bytes())) => Ok(Caller::ApiClient),
        _ => Err(PortalError::InvalidApiKey),
    }
}

/// The token of `Bearer <token>`; the scheme's name is case-insensitive (RFC 9110, 11.1).
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn user_id(given: Option<String>) -> Result<String, PortalError> {
    given.filter(|id| bounds::is_identifier(id, bounds::USER_ID)).ok_or(PortalError::UserIdMissing)
}

fn verification_id(given: Option<&str>) -> Result<VerificationId, PortalError> {
    VerificationId::parse(given.unwrap_or_default()).map_err(|_| PortalError::VerificationNotFound)
}

/// The methods the named user can be sent a code by, with the destinations already known.
pub async fn methods(app: &Application, locale: Locale, user: Option<String>) -> Result<Vec<Method>, PortalError> {
    let factors = app.store.factors(&user_id(user)?).await?;
    let wording = Wording::new(locale, &app.settings.messages);
    Ok(offered_methods(&app.settings.user_rules(), &factors)
        .into_iter()
        .map(|channel| Method {
            method: channel,
            label: wording.channel(channel),
            destination: factors.for_channel(channel).map(|d| d.masked()),
        })
        .collect())
}

/// Sends a first code by `method` to the given destination, else to the one known for the user.
/// A destination new to a user who holds a factor waits: the code goes to that factor first, and
/// `verify` sends the new destination's own code once it is entered.
pub async fn send(app: &Application, locale: Locale, request: super::SendRequest) -> Result<CodeSent, PortalError> {
    let user_id = user_id(request.user_id)?;
    let rules = app.settings.user_rules();
    let channel = request.method;
    if !rules.methods.contains(&channel) {
        return Err(PortalError::MethodNotAllowed);
    }
    let given = if channel.uses_phone() {
        let country = request.phone_country.unwrap_or_else(|| app.settings.default_region.clone());
        request.phone_number.map(|number| PhoneNumber::parse(Some(&country), &number)).transpose()?.map(Destination::Phone)
    } else {
        request.email.map(|email| EmailAddress::parse(&email)).transpose()?.map(Destination::Email)
    };
    let factors = app.store.factors(&user_id).await?;
    let first = match given {
        Some(given) => app.first_code_to(&rules, &factors, given, channel).await?,
        None => FirstCode {
            destination: factors.for_channel(channel).ok_or(PortalError::DestinationRequired)?,
            channel,
            grounds: Grounds::Own,
            news: Notice::CodeSent,
        },
    };
    let status = start(app, &user_id, first.destination, first.channel, first.grounds, locale).await?;
    Ok(code_sent(app, locale, status, &first.news))
}

async fn start(
    app: &Application,
    user_id: &str,
    destination: Destination,
    channel: Channel,
    grounds: Grounds,
    locale: Locale,
) -> Result<CodeStatus, PortalError> {
    let new = NewCode {
        owner: Owner::api_client(user_id),
        vouched: &Factors::default(),
        request: None,
        // The relying application's server, not the user: its address would put every user of
        // the application under one per-client limit.
        client: None,
        destination,
        channel,
        grounds,
    };
    app.verifier.start(new, locale).await
}

fn code_sent(app: &Application, locale: Locale, status: CodeStatus, news: &Notice) -> CodeSent {
    let display = Wording::new(locale, &app.settings.messages).notice(news);
    CodeSent::new(display, Some(status.id.as_str().to_owned()), status.shown)
}

/// Checks a code of a verification this client started for the user.
pub async fn verify(app: &Application, locale: Locale, request: super::VerifyRequest) -> Result<Checked, PortalError> {
    let user_id = user_id(request.user_id)?;
    let id = verification_id(request.verification_id.as_deref())?;
    match app.verifier.check(Owner::api_client(&user_id), &id, &request.code).await {
        // A factor is confirmed: the destination being added gets its own code.
        Ok(Approval { id, then_add: Some(Addition { destination, channel }), .. }) => {
            let status = start(app, &user_id, destination, channel, Grounds::AddedAfter(id), locale).await?;
            Ok(Checked::next_code(code_sent(app, locale, status, &Notice::ConfirmNewDestination)))
        }
        Ok(approval) => {
            app.verifier.tell_earlier_factors(&approval, locale).await;
            Ok(Checked {
                display: td_string!(locale, success.body).to_string(),
                verified: true,
                finish_url: None,
                attempts_left: None,
                code_sent: None,
                first_enrolment: Some(approval.purpose == Purpose::FirstEnrolment),
            })
        }
        Err(error @ PortalError::WrongCode { attempts_left }) => {
            Ok(Checked::wrong_code(Wording::new(locale, &app.settings.messages).error(&error), attempts_left))
        }
        Err(other) => Err(other),
    }
}

/// Cancels a pending verification this client started for the user. An approved one stays
/// approved, and the client is told so.
pub async fn cancel(app: &Application, request: super::CancelRequest) -> Result<(), PortalError> {
    let user_id = user_id(request.user_id)?;
    let id = verification_id(request.verification_id.as_deref())?;
    app.verifier.cancel(Owner::api_client(&user_id), &id).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_bearer_scheme_is_read_in_any_case() {
        for value in ["Bearer k", "bearer k", "BEARER k", " Bearer   k "] {
            assert_eq!(bearer_token(value), Some("k"), "{value:?}");
        }
        for value in ["Basic k", "Bearerk", "k", ""] {
            assert_eq!(bearer_token(value), None, "{value:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn an_accepted_user_id_is_within_its_bound_and_shows_every_character(
            given in prop_oneof![any::<String>(), "[a-z\u{200b}\u{202e} ]{0,300}"],
        ) {
            if let Ok(id) = user_id(Some(given.clone())) {
                prop_assert_eq!(&id, &given);
                prop_assert!(id.len() <= bounds::USER_ID && !id.trim().is_empty() && !id.chars().any(bounds::is_hidden));
            }
        }

        #[test]
        fn any_authorization_value_is_read_without_panicking(value in any::<String>()) {
            if let Some(token) = bearer_token(&value) {
                prop_assert!(value.to_ascii_lowercase().trim_start().starts_with("bearer "));
                prop_assert_eq!(token, token.trim());
            }
        }
    }
}
