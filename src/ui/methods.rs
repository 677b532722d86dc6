use leptos::prelude::*;

use super::journey_page::JourneyPage;
use super::layout::PageHeading;
use super::icons::{self, Icon};
use super::notice::NoticeBanner;
use crate::i18n::{t, t_string, use_i18n};
use crate::view::{MethodOption, PortalView, Step, left_to_right};
use crate::server_fns::ChooseMethod;

/// The method picker. With one method it only asks before sending.
#[component]
pub fn MethodsPage() -> impl IntoView {
    let i18n = use_i18n();
    let choose = ServerAction::<ChooseMethod>::new();
    let render = move |view: PortalView| {
        let single = view.methods.len() == 1;
        let known = |phone: bool| view.methods.iter().any(|m| m.channel.uses_phone() == phone && m.destination.is_some());
        let change_phone = (known(true) && view.can_change_phone)
            .then(|| view! { <a href=view.href(Step::RegisterPhone)>{t!(i18n, verify.change_phone)}</a> });
        let change_email = (known(false) && view.can_change_email)
            .then(|| view! { <a href=view.href(Step::RegisterEmail)>{t!(i18n, verify.change_email)}</a> });
        view! {
            <PageHeading text=if single { t_string!(i18n, methods.single_title) } else { t_string!(i18n, methods.title) }.to_string()/>
            <p class="lead">{t!(i18n, methods.intro)}</p>
            <NoticeBanner notice=view.notice/>
            <ul class="methods">
                {view
                    .methods
                    .into_iter()
                    .map(|option| view! { <li><MethodButton option choose/></li> })
                    .collect_view()}
            </ul>
            <p class="secondary-links">{change_phone}{change_email}</p>
        }
    };
    view! { <JourneyPage accepts=&[Step::ChooseMethod, Step::RegisterPhone, Step::RegisterEmail, Step::EnterCode] render/> }
}

#[component]
fn MethodButton(option: MethodOption, choose: ServerAction<ChooseMethod>) -> impl IntoView {
    let i18n = use_i18n();
    let channel = option.channel;
    let target = match (&option.destination, channel.uses_phone()) {
        (Some(destination), _) => t_string!(i18n, methods.to_destination, destination = left_to_right(destination)),
        (None, true) => t_string!(i18n, methods.new_phone).to_string(),
        (None, false) => t_string!(i18n, methods.new_email).to_string(),
    };
    view! {
        <ActionForm action=choose attr:class="method">
            <input type="hidden" name="channel" value=channel.as_str()/>
            <button type="submit" class="method-button" data-channel=channel.as_str() disabled=move || choose.pending().get()>
                {match option.icon {
                    Some(src) => view! { <img src=src class="icon channel-icon" alt=""/> }.into_any(),
                    None => view! { <Icon path=icons::channel(channel) class="icon channel-icon"/> }.into_any(),
                }}
                <span class="method-text">
                    <span class="method-name">{option.label}</span>
                    <span class="method-target">{target}</span>
                </span>
                <span class="method-action">
                    {if option.destination.is_some() { t!(i18n, methods.send).into_any() } else { t!(i18n, methods.proceed).into_any() }}
                </span>
            </button>
        </ActionForm>
    }
}
