use leptos::prelude::*;

use super::journey_page::JourneyPage;
use super::layout::PageHeading;
use super::icons::{self, Icon};
use super::outcome::FinishForm;
use crate::i18n::{t, t_string, use_i18n};
use crate::view::{FailureReason, PortalView, Step};
use crate::server_fns::Restart;

/// Why the verification ended, and the ways forward that remain. Nothing here comes from the URL.
#[component]
pub fn FailurePage() -> impl IntoView {
    let i18n = use_i18n();
    let restart = ServerAction::<Restart>::new();
    let render = move |view: PortalView| {
        let reason = view.failure;
        let explanation = move || match reason {
            Some(FailureReason::MaxAttemptsReached) => t_string!(i18n, failure.max_attempts_reached),
            Some(FailureReason::VerificationExpired) => t_string!(i18n, failure.verification_expired),
            Some(FailureReason::RequestExpired) => t_string!(i18n, failure.request_expired),
            Some(FailureReason::RequestReplayed) => t_string!(i18n, failure.request_replayed),
            Some(FailureReason::NoMethodAvailable) => t_string!(i18n, failure.no_method_available),
            Some(FailureReason::RequestCanceled) => t_string!(i18n, failure.request_canceled),
            Some(FailureReason::InvalidRequest) | None => t_string!(i18n, failure.invalid_request),
        };
        // Only a user who came with a request can try again or go back; others start over.
        let came_with_request = reason.is_some_and(FailureReason::came_with_request);
        let can_retry = reason.is_some_and(FailureReason::can_retry);
        let back = came_with_request.then(|| {
            let label = match view.application_name.clone() {
                Some(app) => t_string!(i18n, failure.back_to, app = app),
                None => t_string!(i18n, failure.back).to_string(),
            };
            // The main action when there is no second try.
            view! { <FinishForm label mount=view.mount.clone() secondary=can_retry/> }
        });
        let start_over = (!came_with_request).then(|| view! { <p>{t!(i18n, failure.start_over)}</p> });
        view! {
            <div class="outcome failure">
                <Icon path=icons::FAILURE class="outcome-icon"/>
                <PageHeading text=t_string!(i18n, failure.title).to_string()/>
                <p class="lead" data-reason=format!("{reason:?}")>{explanation}</p>
                <div class="actions">
                    {can_retry.then(|| view! {
                        <ActionForm action=restart>
                            <button type="submit" class="button primary">{t!(i18n, failure.retry)}</button>
                        </ActionForm>
                    })}
                    {back}
                </div>
                {start_over}
            </div>
        }
    };
    view! { <JourneyPage accepts=&[Step::Failed] render/> }
}
