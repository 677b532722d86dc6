//! What the OpenAPI document says alike of every operation, beyond each handler's annotation: one
//! operationId per method, the refusals every call may meet (a wrong API key, the service
//! unavailable, and those answered in front of the router: too many requests at once, a request
//! that takes too long), those of the framework's extractors (`extract`) and of the CSRF check
//! (a browser's POST from another site), a description for every status, and `Retry-After` on
//! every 429. `Refusal::in_front` words the refusals made where no handler runs.

use axum::http::StatusCode;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, HeaderBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

use crate::refusal::PortalError;


/// The schema of `ApiError.error_code`: every code the API answers.
pub fn error_codes() -> Object {
    let mut codes = PortalError::API_CODES.to_vec();
    codes.sort_unstable();
    codes.dedup();
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(codes)).build()
}

pub struct Contract;

impl utoipa::Modify for Contract {
    fn modify(&self, openapi: &mut OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            // A path answered on GET and POST by one handler: a generated client needs two ids.
            if let (Some(get), Some(post)) = (&item.get, &mut item.post)
                && get.operation_id.is_some()
                && get.operation_id == post.operation_id
            {
                post.operation_id = post.operation_id.take().map(|id| format!("{id}_post"));
            }
            if let Some(get) = &mut item.get {
                document_refusals(get, false);
            }
            if let Some(post) = &mut item.post {
                document_refusals(post, true);
            }
        }
    }
}

/// The refusals `operation` may meet besides its handler's; `checks_origin`: the CSRF check
/// applies to it (every method but the safe ones).
fn document_refusals(operation: &mut Operation, checks_origin: bool) {
    let mut statuses = vec![PortalError::InvalidApiKey, PortalError::RequestTimeout, PortalError::Unavailable, PortalError::Overloaded];
    if checks_origin {
        statuses.push(PortalError::CrossSiteRequest);
    }
    if operation.request_body.is_some() {
        statuses.extend([PortalError::InvalidBody, PortalError::PayloadTooLarge, PortalError::UnsupportedMediaType]);
    }
    if operation.parameters.as_ref().is_some_and(|parameters| !parameters.is_empty()) {
        statuses.push(PortalError::InvalidQuery);
    }
    let responses = &mut operation.responses.responses;
    for error in statuses {
        responses.entry(error.http_status().to_string()).or_insert_with(|| {
            let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ApiError"))).build();
            RefOr::T(ResponseBuilder::new().content("application/json", content).build())
        });
    }
    for (status, response) in responses.iter_mut() {
        let RefOr::T(response) = response else { continue };
        if response.description.is_empty() {
            let reason = status.parse().ok().and_then(|status| StatusCode::from_u16(status).ok()).and_then(|status| status.canonical_reason());
            response.description = reason.unwrap_or_default().to_owned();
        }
        if status == "429" {
            let seconds = ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0));
            let header = HeaderBuilder::new().schema(seconds).description(Some("Seconds until the same request may succeed.")).build();
            response.headers.insert("Retry-After".to_owned(), header);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ApiDoc;
    use crate::bounds;
    use serde_json::json;
    use utoipa::OpenApi;

    #[test]
    fn each_documented_max_length_is_its_bound() {
        let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
        if let Ok(path) = std::env::var("DUMP_OPENAPI") {
            std::fs::write(path, serde_json::to_string_pretty(&document).unwrap()).unwrap();
        }
        let schemas = &document["components"]["schemas"];
        let fields = [
            ("SendRequest", "user_id", bounds::USER_ID),
            ("SendRequest", "phone_number", bounds::PHONE_INPUT),
            ("SendRequest", "phone_country", bounds::COUNTRY),
            ("SendRequest", "email", bounds::EMAIL),
            ("VerifyRequest", "code", bounds::CODE_INPUT),
            ("VerifyRequest", "user_id", bounds::USER_ID),
            ("CancelRequest", "user_id", bounds::USER_ID),
            ("PhoneRequest", "phone_number", bounds::PHONE_INPUT),
            ("PhoneRequest", "country_code", bounds::COUNTRY),
            ("EmailRequest", "email", bounds::EMAIL),
            ("NewRequest", "user_id", bounds::USER_ID),
            ("NewRequest", "return_url", bounds::URL),
            ("NewRequest", "phone_number", bounds::PHONE_INPUT),
            ("NewRequest", "email", bounds::EMAIL),
            ("UnlockRequest", "user_id", bounds::USER_ID),
        ];
        for (schema, field, bound) in fields {
            assert_eq!(schemas[schema]["properties"][field]["maxLength"], json!(bound), "{schema}.{field}");
        }
        let query = &document["paths"]["/api/v1/verification-methods"]["get"]["parameters"][0];
        assert_eq!((&query["in"], &query["schema"]["maxLength"]), (&json!("query"), &json!(bounds::USER_ID)), "{query}");
    }
}
