//! The JSON API's contract, as a client author (or a client generator) reads it: the OpenAPI
//! document the portal serves is valid OpenAPI 3.1 and says what a generated client needs, and
//! what the framework refuses before a handler runs (a malformed, mistyped or oversized body, a
//! bad query, an unknown path or method) or in front of the router (a body past the global
//! limit, a cross-site call, too many requests at once, a request that takes too long) is
//! answered with the documented JSON error and status.
//!
//! `openapi-3.1.schema.json` is the OpenAPI Initiative's schema of OpenAPI 3.1 documents
//! (https://spec.openapis.org/oas/3.1/schema/2022-10-07, Apache-2.0).

use crate::json_api::{API_KEY, Api, portal_with_api_key};
use crate::support::TestApp;

use reqwest::StatusCode;
use reqwest::header::{ORIGIN, REFERER};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HTTP_METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Every operation of the document: its method, its path and itself.
fn operations(document: &Value) -> Vec<(&str, &str, &Value)> {
    let paths = document["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| HTTP_METHODS.iter().filter_map(move |method| item.get(*method).map(|operation| (*method, path.as_str(), operation))))
        .collect()
}

/// Follows a local `$ref` (`#/components/...`), or fails.
fn resolve<'a>(document: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference.strip_prefix('#').unwrap_or_else(|| panic!("{reference} is not local"));
    document.pointer(pointer).unwrap_or_else(|| panic!("{reference} leads nowhere"))
}

/// Every `$ref` anywhere in `value`.
fn references(value: &Value) -> Vec<&str> {
    match value {
        Value::Object(object) => object
            .iter()
            .flat_map(|(key, value)| match (key.as_str(), value) {
                ("$ref", Value::String(reference)) => vec![reference.as_str()],
                _ => references(value),
            })
            .collect(),
        Value::Array(items) => items.iter().flat_map(references).collect(),
        _ => Vec::new(),
    }
}

async fn document() -> (TestApp, Value) {
    let app = portal_with_api_key(|_| {}).await;
    let document = Api::new(&app).await.document;
    (app, document)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_valid_openapi_3_1_and_every_reference_resolves() {
    let (_app, document) = document().await;
    let schema: Value = serde_json::from_str(include_str!("openapi-3.1.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the OpenAPI 3.1 schema compiles");
    assert!(!validator.is_valid(&serde_json::json!({ "openapi": "3.1.0", "paths": {} })), "a document without info is refused");
    let errors: Vec<String> = validator.iter_errors(&document).map(|error| format!("{} at {}", error, error.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    for reference in references(&document) {
        resolve(&document, reference);
    }
    // Each component schema is a JSON Schema a validator can compile.
    for (name, schema) in document["components"]["schemas"].as_object().unwrap() {
        let mut root = schema.clone();
        root["components"] = document["components"].clone();
        assert!(jsonschema::validator_for(&root).is_ok(), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_client_gets_one_named_operation_per_call_with_its_parameters_and_bodies() {
    let (_app, document) = document().await;
    let mut ids = BTreeSet::new();
    for (method, path, operation) in operations(&document) {
        let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
        assert!(ids.insert(id), "{method} {path}: operationId {id} is used twice");

        // Path parameters are those of the template, and only those.
        let in_template: BTreeSet<&str> = path.split('/').filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}')).collect();
        let parameters = operation["parameters"].as_array().cloned().unwrap_or_default();
        let declared: BTreeSet<String> =
            parameters.iter().filter(|parameter| parameter["in"] == "path").map(|parameter| parameter["name"].as_str().unwrap().to_owned()).collect();
        assert_eq!(declared, in_template.iter().map(|name| name.to_string()).collect(), "{method} {path}: path parameters");
        for parameter in &parameters {
            assert!(["query", "path", "header", "cookie"].contains(&parameter["in"].as_str().unwrap()), "{method} {path}: {parameter}");
            assert!(parameter["schema"].is_object(), "{method} {path}: {parameter} has no schema");
        }

        if let Some(body) = operation.get("requestBody") {
            assert!(body["content"]["application/json"]["schema"].is_object(), "{method} {path}: the body has no JSON schema");
        }
        let responses = operation["responses"].as_object().unwrap();
        let success = responses.keys().filter(|status| status.starts_with('2')).count();
        assert_eq!(success, 1, "{method} {path}: one success answer");
        for (status, response) in responses {
            assert!(!response["description"].as_str().unwrap_or_default().is_empty(), "{method} {path} {status}: no description");
            let schema = &response["content"]["application/json"]["schema"];
            assert!(schema.is_object(), "{method} {path} {status}: no JSON schema");
            if status.starts_with('4') || status.starts_with('5') {
                assert_eq!(schema["$ref"], "#/components/schemas/ApiError", "{method} {path} {status}");
            }
            assert_eq!(status == "429", response["headers"]["Retry-After"].is_object(), "{method} {path} {status}: Retry-After");
        }
        // Every call may meet a wrong API key or an unavailable store; a body or a query may be refused.
        let mut expected = vec!["401", "503"];
        if operation.get("requestBody").is_some() {
            expected.extend(["400", "413", "415"]);
        }
        if !parameters.is_empty() {
            expected.push("400");
        }
        for status in expected {
            assert!(responses.contains_key(status), "{method} {path} does not document {status}");
        }
    }
    assert!(ids.len() >= 9, "{ids:?}");
    let codes = &document["components"]["schemas"]["ApiError"]["properties"]["error_code"]["enum"];
    for code in ["invalid_body", "unsupported_media_type", "payload_too_large", "invalid_query", "unknown_endpoint", "verification_already_approved"] {
        assert!(codes.as_array().unwrap().iter().any(|known| known == code), "{code} is not documented: {codes}");
    }
}

/// What a careless or hostile client sends instead of a JSON body.
fn malformed_bodies() -> Vec<(&'static str, Option<&'static str>, String, StatusCode, &'static str)> {
    vec![
        ("not JSON", Some("application/json"), "{ not json".to_owned(), StatusCode::BAD_REQUEST, "invalid_body"),
        ("an array", Some("application/json"), "[]".to_owned(), StatusCode::BAD_REQUEST, "invalid_body"),
        ("wrong types", Some("application/json"), r#"{"method": 5, "code": 6, "email": 7, "user_id": 8, "phone_number": []}"#.to_owned(), StatusCode::BAD_REQUEST, "invalid_body"),
        ("empty", Some("application/json"), String::new(), StatusCode::BAD_REQUEST, "invalid_body"),
        ("plain text", Some("text/plain"), "{}".to_owned(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        ("a form", Some("application/x-www-form-urlencoded"), "code=123456".to_owned(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        ("over 16 KiB", Some("application/json"), format!(r#"{{"user_id": "{}"}}"#, "u".repeat(20 * 1024)), StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
    ]
}

/// Sends `body` to `method path`, as an API client with `key` or as a browser; answers the status
/// and the body, which must be JSON, and the `Allow` header.
async fn send_raw(app: &TestApp, method: &str, path: &str, key: Option<&str>, content_type: Option<&str>, body: String) -> (StatusCode, Value, Option<String>) {
    let mut request = app.client.request(method.to_uppercase().parse().unwrap(), app.url(path)).header("accept-language", "en").body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    json_answer(&format!("{method} {path}"), request).await
}

/// Sends `request`; answers the status and the body, which must be JSON, and the `Allow` header.
async fn json_answer(what: &str, request: reqwest::RequestBuilder) -> (StatusCode, Value, Option<String>) {
    let response = request.send().await.unwrap();
    let status = response.status();
    let kind = response.headers().get("content-type").map(|value| value.to_str().unwrap().to_owned());
    let allow = response.headers().get("allow").map(|value| value.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    assert_eq!(kind.as_deref(), Some("application/json"), "{what} answered {status} with {kind:?}: {text}");
    (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("{what}: {text}")), allow)
}

/// Fails unless `answer` is the documented error body (for answers no operation can list: an
/// unknown path, a method a path does not take).
fn assert_is_api_error(document: &Value, answer: &Value) {
    let mut root = document["components"]["schemas"]["ApiError"].clone();
    root["components"] = document["components"].clone();
    let validator = jsonschema::validator_for(&root).expect("a valid schema");
    assert!(validator.is_valid(answer), "{answer} is not an ApiError");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_malformed_body_of_every_operation_is_the_documented_json_error() {
    let app = portal_with_api_key(|_| {}).await;
    let api = Api::new(&app).await;
    let with_bodies: Vec<(String, String)> = operations(&api.document)
        .into_iter()
        .filter(|(_, _, operation)| operation.get("requestBody").is_some())
        .map(|(method, path, _)| (method.to_owned(), path.to_owned()))
        .collect();
    assert!(with_bodies.len() >= 7, "{with_bodies:?}");
    for (method, path) in &with_bodies {
        for key in [Some(API_KEY), None] {
            for (what, content_type, body, expected, code) in malformed_bodies() {
                let (status, answer, _) = send_raw(&app, method, path, key, content_type, body).await;
                assert_eq!((status, answer["error_code"].as_str()), (expected, Some(code)), "{method} {path} with {what} ({key:?}): {answer}");
                assert!(!answer["display"].as_str().unwrap().is_empty(), "{answer}");
                api.check(method, path, status, &answer);
            }
        }
    }
    // The message is the user's language, as every refusal's.
    let (_, answer, _) = send_raw(&app, "post", "/api/v1/send", Some(API_KEY), Some("application/json"), "{".to_owned()).await;
    assert_eq!(answer["display"], "The request body is not the JSON this call takes.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_query_an_unknown_path_and_a_wrong_method_are_json_errors() {
    let app = portal_with_api_key(|_| {}).await;
    let api = Api::new(&app).await;
    for method in ["get", "post"] {
        let (status, answer, _) = send_raw(&app, method, "/api/v1/verification-methods?user_id=a&user_id=b", Some(API_KEY), None, String::new()).await;
        assert_eq!((status, answer["error_code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_query")), "{answer}");
        api.check(method, "/api/v1/verification-methods", status, &answer);
    }

    for key in [Some(API_KEY), None] {
        let (status, answer, _) = send_raw(&app, "get", "/api/v1/no-such-call", key, None, String::new()).await;
        assert_eq!((status, answer["error_code"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_endpoint")), "{answer}");
        assert_is_api_error(&api.document, &answer);
    }

    for (method, path, allowed) in [("get", "/api/v1/send", "POST"), ("delete", "/api/v1/verify", "POST"), ("put", "/api/v1/openapi.json", "GET,HEAD")] {
        let (status, answer, allow) = send_raw(&app, method, path, Some(API_KEY), None, String::new()).await;
        assert_eq!((status, answer["error_code"].as_str()), (StatusCode::METHOD_NOT_ALLOWED, Some("http_method_not_allowed")), "{method} {path}: {answer}");
        assert_eq!(allow.as_deref(), Some(allowed), "{method} {path}");
        assert_is_api_error(&api.document, &answer);
    }
}

const EVIL: &str = "https://evil.example";

/// A same-site POST that announces a body of `length` bytes and sends none of it: the serving
/// layers answer from the announcement alone, so reading their answer does not race the upload
/// of a body they will never read. Answers the status, the content type and the body.
async fn announce_body(app: &TestApp, path: &str, content_type: &str, authorization: Option<&str>, length: usize) -> (StatusCode, String, String) {
    let host = app.base.trim_start_matches("http://");
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: {}\r\nAccept-Language: en\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\nConnection: close\r\n",
        app.base
    );
    if let Some(authorization) = authorization {
        head.push_str(&format!("Authorization: {authorization}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = TcpStream::connect(host).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    read_answer(&mut stream).await
}

/// Reads an HTTP/1.1 answer until the server closes: its status, content type and body.
async fn read_answer(stream: &mut TcpStream) -> (StatusCode, String, String) {
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await.expect("the server kept the connection open").ok();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or_else(|| panic!("{answer}"));
    let status: u16 = head.split(' ').nth(1).and_then(|status| status.parse().ok()).unwrap_or_else(|| panic!("{answer}"));
    let header = |name: &str| {
        head.lines().find_map(|line| line.split_once(':').filter(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.trim().to_owned()))
    };
    let body = match header("transfer-encoding").as_deref() {
        // One chunk is all these short answers take.
        Some("chunked") => body.split_once("\r\n").map(|(_, rest)| rest.split("\r\n").next().unwrap_or("").to_owned()).unwrap_or_default(),
        _ => body.to_owned(),
    };
    (StatusCode::from_u16(status).unwrap(), header("content-type").unwrap_or_default(), body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_past_the_global_limit_and_a_cross_site_call_are_the_documented_json_error() {
    let app = portal_with_api_key(|_| {}).await;
    let api = Api::new(&app).await;
    let limit = app.state.application.settings.max_body_bytes;

    // Past TWOFA_MAX_BODY_BYTES, the serving layers refuse the body before the router reads it.
    let authorization = format!("Bearer {API_KEY}");
    for key in [Some(authorization.as_str()), None] {
        let (status, content_type, body) = announce_body(&app, "/api/v1/send", "application/json", key, limit + 1).await;
        assert_eq!(content_type, "application/json", "{key:?}: {body}");
        let answer: Value = serde_json::from_str(&body).unwrap();
        assert_eq!((status, answer["error_code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large")), "{key:?}: {answer}");
        assert_eq!(answer["display"], "The request body is too large.");
        api.check("post", "/api/v1/send", status, &answer);
    }
    // A page keeps its plain answer.
    let (status, content_type, _) = announce_body(&app, "/locale", "application/x-www-form-urlencoded", None, limit + 1).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(!content_type.starts_with("application/json"), "{content_type}");

    // A browser session's call from another site, to every operation that changes something.
    let posts: Vec<String> = operations(&api.document).into_iter().filter(|(method, _, _)| *method == "post").map(|(_, path, _)| path.to_owned()).collect();
    assert!(posts.len() >= 8, "{posts:?}");
    let bare = reqwest::Client::new();
    for path in &posts {
        let forgeries = [
            app.client.post(app.url(path)).header(ORIGIN, EVIL),
            app.client.post(app.url(path)).header(ORIGIN, "null").header(REFERER, app.url("/verify")),
            app.client.post(app.url(path)).header("sec-fetch-site", "cross-site"),
            // Neither Origin nor Referer, and another scheme than Bearer proves nothing.
            bare.post(app.url(path)).basic_auth("eve", Some("x")),
        ];
        for (n, forged) in forgeries.into_iter().enumerate() {
            let forged = forged.header("accept-language", "en").json(&serde_json::json!({ "method": "sms" }));
            let (status, answer, _) = json_answer(&format!("forgery {n} of POST {path}"), forged).await;
            assert_eq!((status, answer["error_code"].as_str()), (StatusCode::FORBIDDEN, Some("cross_site_request")), "{n} {path}: {answer}");
            assert_eq!(answer["blocking"], false);
            api.check("post", path, status, &answer);
        }
    }
    // Refused before the router: an unknown path too; and worded in the caller's language.
    let forged = app.client.post(app.url("/api/v1/no-such-call")).header(ORIGIN, EVIL).header("accept-language", "fr");
    let (status, answer, _) = json_answer("a forged unknown call", forged).await;
    assert_eq!((status, answer["error_code"].as_str()), (StatusCode::FORBIDDEN, Some("cross_site_request")), "{answer}");
    assert_eq!(answer["display"], "Cette requête ne vient pas des pages du portail : elle est refusée.");
    assert_is_api_error(&api.document, &answer);
}

/// Starts an API client's call whose body never comes: it holds its place among the requests in flight.
async fn call_without_its_body(app: &TestApp) -> TcpStream {
    let mut stream = TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap();
    let head = format!(
        "POST /api/v1/send HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {API_KEY}\r\nAccept-Language: en\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_calls_at_once_and_a_call_that_takes_too_long_are_the_documented_json_error() {
    let app = portal_with_api_key(|settings| {
        settings.max_concurrent_requests = 1;
        settings.request_timeout_secs = 3;
    })
    .await;
    let api = Api::new(&app).await;
    let mut slow = call_without_its_body(&app).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Past the concurrency bound: 503 at once, `overloaded`; a page keeps its plain answer.
    let (status, answer, _) = send_raw(&app, "get", "/api/v1/verification-methods?user_id=ada", Some(API_KEY), None, String::new()).await;
    assert_eq!((status, answer["error_code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("overloaded")), "{answer}");
    assert_eq!(answer["display"], "The server is busy. Try again in a moment.");
    api.check("get", "/api/v1/verification-methods", status, &answer);
    let page = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(page.text().await.unwrap(), "The server is busy. Try again in a moment.");

    // The call whose body never came: 408 past TWOFA_REQUEST_TIMEOUT_SECS, `request_timeout`.
    let (status, content_type, body) = read_answer(&mut slow).await;
    assert_eq!((status, content_type.as_str()), (StatusCode::REQUEST_TIMEOUT, "application/json"), "{body}");
    let body: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{body}"));
    assert_eq!(body["error_code"], "request_timeout", "{body}");
    api.check("post", "/api/v1/send", StatusCode::REQUEST_TIMEOUT, &body);
}
