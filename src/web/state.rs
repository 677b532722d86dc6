//! The composition root's state: the application and the Leptos options, shared by every route.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

use crate::application::host::TwoFactorHost;
use crate::application::{Application, StartupError};
use crate::config::Settings;
use crate::domain::Clock;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub application: Application,
}

impl AppState {
    pub async fn build(settings: Settings, leptos_options: LeptosOptions) -> Result<Self, StartupError> {
        Self::assemble(Application::build(settings).await?, leptos_options)
    }

    /// As `build`, with the clock the core reads: tests pass a `FakeClock` to reach expiry.
    pub async fn build_with_clock(settings: Settings, leptos_options: LeptosOptions, clock: Arc<dyn Clock>) -> Result<Self, StartupError> {
        Self::assemble(Application::build_with_clock(settings, clock).await?, leptos_options)
    }

    /// Relays the application's events to the operator's webhook, when the settings name one.
    fn assemble(application: Application, leptos_options: LeptosOptions) -> Result<Self, StartupError> {
        let settings = &application.settings;
        if let (Some(url), Some(secret)) = (&settings.webhook_url, &settings.webhook_secret) {
            crate::events::relay::spawn_relay(&application.events, url.clone(), secret.clone());
        }
        Ok(AppState { leptos_options, application })
    }

    /// Gives the pages and server functions the application: in the context of every page route.
    pub fn provide(&self) {
        leptos::prelude::provide_context(self.application.clone());
    }

    /// The pages embedded in `host`'s site under `mount` (a path such as `/2fa`, or `/account/2fa`).
    pub fn embedded(mut self, mount: &str, host: Arc<dyn TwoFactorHost>) -> Self {
        self.application = self.application.embedded(mount, host);
        self
    }
}
