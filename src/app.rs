//! The HTML shell and the root component with the portal's routes.

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Outlet, ParentRoute, Route, Router, Routes};
use leptos_router::{SsrMode, StaticSegment, path};

use crate::i18n::{I18nContextProvider, Locale, t_string, use_i18n};
use crate::ui::layout::{NotFound, PortalChrome};
use crate::ui::{demo, email, failure, home, methods, phone, success, token};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <meta name="referrer" content="same-origin"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                // The release build's style sheet has a content hash in its name.
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The portal: the 2FA pages at the root, in the portal's own frame, plus the demo application.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(PortalChrome);
    view! {
        // The portal decides the language (`extract::locale`) and only the picker sets its cookie:
        // leptos_i18n's own cookie, written from effects that may outlive their request, went out
        // without a path on other responses (a server function's made it `Path=/api`, shadowing
        // the picker's choice for the texts and calls those send).
        <I18nContextProvider enable_cookie=false ssr_lang_header_getter=negotiated_language()>
            <DocumentTitle/>
            <Router>
                <Routes fallback=NotFound>
                    <TwoFactorRoutes/>
                    <Route path=path!("/demo") view=demo::DemoPage ssr=SsrMode::Async/>
                    <Route path=path!("/demo/return") view=demo::DemoReturnPage ssr=SsrMode::Async/>
                </Routes>
            </Router>
        </I18nContextProvider>
    }
}

/// The 2FA pages as routes, for the portal and for a host site's `<Routes>`: under `segment`
/// (`"2fa"` gives `/2fa/methods`, `/2fa/verify`, …; nest it in a `ParentRoute` to go deeper).
/// The server side must be mounted at the same path (`AppState::embedded`).
#[component(transparent)]
pub fn TwoFactorRoutes(#[prop(optional)] segment: &'static str) -> impl leptos_router::MatchNestedRoutes + Clone {
    // Async: the whole page is rendered before the response leaves, so the session changes made
    // while rendering (a notice shown once) are saved with it.
    view! {
        <ParentRoute path=StaticSegment(segment) view=TwoFactorScope ssr=SsrMode::Async>
            <Route path=path!("") view=home::HomePage ssr=SsrMode::Async/>
            <Route path=path!("/methods") view=methods::MethodsPage ssr=SsrMode::Async/>
            <Route path=path!("/phone") view=phone::PhonePage ssr=SsrMode::Async/>
            <Route path=path!("/email") view=email::EmailPage ssr=SsrMode::Async/>
            <Route path=path!("/verify") view=token::TokenPage ssr=SsrMode::Async/>
            <Route path=path!("/success") view=success::SuccessPage ssr=SsrMode::Async/>
            <Route path=path!("/failure") view=failure::FailurePage ssr=SsrMode::Async/>
        </ParentRoute>
    }
    .into_inner()
}

/// The pages' language context: the portal's, or in a host site one of their own that reads the
/// same language cookie and leaves the host's `<html lang>` alone.
#[component]
fn TwoFactorScope() -> impl IntoView {
    if use_context::<leptos_i18n::I18nContext<Locale>>().is_some() {
        view! { <Outlet/> }.into_any()
    } else {
        view! {
            <I18nContextProvider
                set_lang_attr_on_html=false
                set_dir_attr_on_html=false
                cookie_options=locale_cookie_options()
                ssr_lang_header_getter=negotiated_language()
            >
                <Outlet/>
            </I18nContextProvider>
        }
        .into_any()
    }
}

/// The title as a plain string: `leptos_meta` reads it once the page has rendered, when a
/// closure over the language signal may find it already disposed (a panic under load).
#[component]
fn DocumentTitle() -> impl IntoView {
    let i18n = use_i18n();
    view! { <Title text=t_string!(i18n, layout.title).to_string()/> }
}

/// The language cookie applies to the whole site and is remembered for a year.
fn locale_cookie_options() -> leptos_i18n::context::CookieOptions<crate::i18n::Locale> {
    leptos_i18n::context::CookieOptions::default()
        .path("/")
        .max_age(365 * 24 * 60 * 60 * 1000_i64)
}

/// The language the portal negotiated for this request (`extract::locale::locale_of`: the
/// picker's cookie, then the best match for `Accept-Language` by quality, region and script),
/// handed to leptos_i18n as the only language the browser accepts: its own reading of the header
/// ignores quality values.
fn negotiated_language() -> leptos_i18n::context::UseLocalesOptions {
    let options = leptos_i18n::context::UseLocalesOptions::default();
    #[cfg(feature = "ssr")]
    let options = options.ssr_lang_header_getter(|| {
        use leptos_i18n::Locale as _;
        let request = use_context::<axum::http::request::Parts>()?;
        Some(crate::extract::locale::locale_of(&request.headers).as_str().to_owned())
    });
    options
}
