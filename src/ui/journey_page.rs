use leptos::prelude::*;
use leptos_router::components::Redirect;

use super::layout::Frame;
use super::notice::ErrorPanel;
use crate::i18n::{t, use_i18n};
use crate::view::{PortalView, Step};
use crate::server_fns::load_portal_view;

/// A page of the journey: loads the user's state on the server, and sends the user to the page of
/// their actual step when this page is not one of `accepts`.
#[component]
pub fn JourneyPage<F, V>(accepts: &'static [Step], render: F) -> impl IntoView
where
    F: Fn(PortalView) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let i18n = use_i18n();
    let state = Resource::new_blocking(|| (), |_| load_portal_view());
    view! {
        <Frame>
            <Suspense fallback=move || view! { <p class="loading">{t!(i18n, layout.loading)}</p> }>
                {
                    let render = render.clone();
                    move || {
                        let render = render.clone();
                        Suspend::new(async move {
                            match state.await {
                                Ok(view) if accepts.contains(&view.step) => render(view).into_any(),
                                Ok(view) => view! { <Redirect path=view.href(view.step)/> }.into_any(),
                                Err(error) => view! { <ErrorPanel error/> }.into_any(),
                            }
                        })
                    }
                }
            </Suspense>
        </Frame>
    }
}
