//! The HTML shell and the root component with the portal's routes.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::i18n::{I18nContextProvider, t_string, use_i18n};
use crate::ui::{demo, failure, home, methods, phone, success, token, email, layout::NotFound};

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
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <I18nContextProvider cookie_options=locale_cookie_options()>
            <DocumentTitle/>
            <Stylesheet id="leptos" href="/pkg/leptos-2fa.css"/>
            <Router>
                <Routes fallback=NotFound>
                    // Async: the whole page is rendered before the response leaves, so the session
                    // changes made while rendering (a notice shown once) are saved with it.
                    <Route path=path!("/") view=home::HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/methods") view=methods::MethodsPage ssr=SsrMode::Async/>
                    <Route path=path!("/phone") view=phone::PhonePage ssr=SsrMode::Async/>
                    <Route path=path!("/email") view=email::EmailPage ssr=SsrMode::Async/>
                    <Route path=path!("/verify") view=token::TokenPage ssr=SsrMode::Async/>
                    <Route path=path!("/success") view=success::SuccessPage ssr=SsrMode::Async/>
                    <Route path=path!("/failure") view=failure::FailurePage ssr=SsrMode::Async/>
                    <Route path=path!("/demo") view=demo::DemoPage ssr=SsrMode::Async/>
                    <Route path=path!("/demo/return") view=demo::DemoReturnPage ssr=SsrMode::Async/>
                </Routes>
            </Router>
        </I18nContextProvider>
    }
}

#[component]
fn DocumentTitle() -> impl IntoView {
    let i18n = use_i18n();
    view! { <Title text=move || t_string!(i18n, layout.title).to_string()/> }
}

/// The language cookie applies to the whole site and is remembered for a year.
fn locale_cookie_options() -> leptos_i18n::context::CookieOptions<crate::i18n::Locale> {
    leptos_i18n::context::CookieOptions::default()
        .path("/")
        .max_age(365 * 24 * 60 * 60 * 1000_i64)
}
