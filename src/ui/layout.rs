use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_router::hooks::use_location;

use super::icons::{self, Icon};
use leptos_meta::Title;

use crate::i18n::{Locale, t, t_string, td_string, use_i18n};

/// Present in the portal: pages get the portal's header and footer. In a host site they sit
/// in the host's own layout instead.
#[derive(Debug, Clone, Copy)]
pub struct PortalChrome;

/// The frame of every page: in the portal a header with the language picker, a card for the
/// content and a footer; in a host site only the card.
#[component]
pub fn Frame(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    let hydrated = RwSignal::new(false);
    // Effects run only in the browser: the flag tells tests and styles that the page is interactive.
    // The portal's pages are islands: its browser entry point (`hydrate`) sets the flag there.
    Effect::new(move |_| hydrated.set(true));
    if use_context::<PortalChrome>().is_none() {
        return view! {
            <section id="twofa" class="twofa card" data-hydrated=move || hydrated.get().to_string()>
                {children()}
            </section>
        }
        .into_any();
    }
    view! {
        <div class="page">
            <header class="masthead">
                <span class="brand">
                    <Icon path=icons::SHIELD/>
                    <span>{t!(i18n, layout.title)}</span>
                </span>
                <LanguagePicker/>
            </header>
            <main id="content" class="card" data-hydrated=move || hydrated.get().to_string()>
                {children()}
            </main>
            <footer class="colophon">{t!(i18n, layout.footer)}</footer>
        </div>
    }
    .into_any()
}

/// A plain form, so the language can be changed without JavaScript too.
#[component]
fn LanguagePicker() -> impl IntoView {
    let i18n = use_i18n();
    // The page's path only: its query may hold what a link put there (the failure page never
    // shows such text, and neither does the form), and every page reads its state from the session.
    let back = use_location().pathname;
    view! {
        <form class="language" method="post" action="/locale">
            <label for="language-select">{t!(i18n, layout.language)}</label>
            <select id="language-select" name="locale">
                {Locale::get_all()
                    .iter()
                    .map(|&locale| {
                        view! {
                            // Each language's name in itself, marked as such for screen readers.
                            <option value=locale.as_str() lang=locale.as_str() selected=move || i18n.get_locale() == locale>
                                {td_string!(locale, language_name)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <input type="hidden" name="back" value=back/>
            <button type="submit" class="button secondary small">{t!(i18n, layout.apply_language)}</button>
        </form>
    }
}

/// The page's heading, which is also its document title (after the portal's name), so every page
/// and tab says where the user is.
#[component]
pub fn PageHeading(text: String) -> impl IntoView {
    let i18n = use_i18n();
    // A plain string: see `DocumentTitle`.
    let title = format!("{text} – {}", t_string!(i18n, layout.title));
    view! {
        <Title text=title/>
        <h1>{text}</h1>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        <Frame>
            <PageHeading text=t_string!(i18n, home.title).to_string()/>
            <p>{t!(i18n, home.body)}</p>
        </Frame>
    }
}
