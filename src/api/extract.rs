//! axum's `Json` and `Query` extractors for the JSON API, with each of their rejections answered as
//! the documented refusal (`invalid_body`, `unsupported_media_type`, `payload_too_large`,
//! `invalid_query`) instead of axum's plain-text message, which names Rust types.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequest, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::{Refusal, refusal};
use crate::refusal::PortalError;
use crate::application::Application;
use crate::extract::locale::locale_of;

/// A JSON body of type `T`. As `Option<Body<T>>`, a call without a body (no `Content-Type`) is `None`.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Application> for Body<T> {
    type Rejection = Refusal;

    async fn from_request(request: Request, app: &Application) -> Result<Self, Refusal> {
        let locale = locale_of(request.headers());
        match <Json<T> as FromRequest<Application>>::from_request(request, app).await {
            Ok(Json(body)) => Ok(Body(body)),
            Err(rejection) => Err(refusal(app, locale, body_refusal(&rejection))),
        }
    }
}

impl<T: DeserializeOwned> OptionalFromRequest<Application> for Body<T> {
    type Rejection = Refusal;

    async fn from_request(request: Request, app: &Application) -> Result<Option<Self>, Refusal> {
        let locale = locale_of(request.headers());
        match <Json<T> as OptionalFromRequest<Application>>::from_request(request, app).await {
            Ok(body) => Ok(body.map(|Json(body)| Body(body))),
            Err(rejection) => Err(refusal(app, locale, body_refusal(&rejection))),
        }
    }
}

fn body_refusal(rejection: &JsonRejection) -> PortalError {
    tracing::debug!(%rejection, "refused an API body");
    match rejection {
        JsonRejection::MissingJsonContentType(_) => PortalError::UnsupportedMediaType,
        // The body limit (`DefaultBodyLimit`) met while reading it.
        rejection if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => PortalError::PayloadTooLarge,
        _ => PortalError::InvalidBody,
    }
}

/// The query string, read into `T`.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<Application> for Params<T> {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, app: &Application) -> Result<Self, Refusal> {
        match Query::<T>::from_request_parts(parts, app).await {
            Ok(Query(params)) => Ok(Params(params)),
            Err(rejection) => {
                tracing::debug!(%rejection, "refused an API query");
                Err(refusal(app, locale_of(&parts.headers), PortalError::InvalidQuery))
            }
        }
    }
}
