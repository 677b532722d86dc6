//! Notices and page-level errors: the server words notices; a page-level error is worded here.

use leptos::prelude::*;

use crate::i18n::{t_string, use_i18n};
use crate::refusal::PortalError;
use crate::view::{Notice, ShownNotice};

/// The outcome of the last form, announced to screen readers as it appears.
#[component]
pub fn NoticeBanner(notice: Option<ShownNotice>) -> impl IntoView {
    notice.map(|ShownNotice { notice, text }| {
        match notice {
            Notice::Error(error) => {
                view! { <p class="notice error" role="alert" data-error=format!("{error:?}")>{text}</p> }.into_any()
            }
            _ => view! { <p class="notice info" role="status">{text}</p> }.into_any(),
        }
    })
}

/// A page-level error: the server could not be asked or did not answer.
#[component]
pub fn ErrorPanel(error: PortalError) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h1>{t_string!(i18n, errors.title)}</h1>
        <p class="notice error" role="alert">{error.text(i18n.get_locale_untracked())}</p>
    }
}
