//! Notices and page-level errors: the server words notices; a page-level error is worded here.

use leptos::prelude::*;

use super::layout::PageHeading;
use crate::i18n::{t_string, use_i18n};
use crate::refusal::{Field, PortalError};
use crate::view::{Notice, ShownNotice};

/// The outcome of the last form, announced to screen readers as it appears. A refusal about the
/// page's `field` leaves the focus to that field (which it describes); any other takes the focus
/// itself, so the keyboard starts from the sentence that says what went wrong.
#[component]
pub fn NoticeBanner(notice: Option<ShownNotice>, #[prop(optional)] field: Option<Field>) -> impl IntoView {
    notice.map(|ShownNotice { notice, text }| {
        match notice {
            Notice::Error(error) => {
                let takes_focus = error.field().is_none_or(|about| Some(about) != field);
                view! {
                    <p id=NOTICE_ID class="notice error" role="alert" tabindex="-1" autofocus=takes_focus data-error=format!("{error:?}")>
                        {text}
                    </p>
                }
                .into_any()
            }
            _ => view! { <p id=NOTICE_ID class="notice info" role="status">{text}</p> }.into_any(),
        }
    })
}

const NOTICE_ID: &str = "notice";

/// How a form's field stands after the last submit: at fault when the refusal is about it.
pub struct FieldFault {
    at_fault: bool,
    /// A refusal about something else takes the focus (see `NoticeBanner`).
    focus_elsewhere: bool,
}

impl FieldFault {
    pub fn of(notice: &Option<ShownNotice>, field: Field) -> Self {
        match notice.as_ref().map(|shown| &shown.notice) {
            Some(Notice::Error(error)) => {
                let at_fault = error.field() == Some(field);
                FieldFault { at_fault, focus_elsewhere: !at_fault }
            }
            _ => FieldFault { at_fault: false, focus_elsewhere: false },
        }
    }

    pub fn field_takes_focus(&self) -> bool {
        !self.focus_elsewhere
    }

    pub fn aria_invalid(&self) -> Option<&'static str> {
        self.at_fault.then_some("true")
    }

    /// The field's `aria-describedby`: the refusal first when it is about the field, then its hint.
    pub fn described_by(&self, hint: &str) -> String {
        if self.at_fault { format!("{NOTICE_ID} {hint}") } else { hint.to_owned() }
    }
}

/// A page-level error: the server could not be asked or did not answer.
#[component]
pub fn ErrorPanel(error: PortalError) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <PageHeading text=t_string!(i18n, errors.title).to_string()/>
        <p class="notice error" role="alert">{error.text(i18n.get_locale_untracked())}</p>
    }
}
