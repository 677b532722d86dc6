//! The one `AppState` every route, page and server function shares.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use secrecy::ExposeSecret;
use std::sync::Arc;

use crate::config::{ConfigError, Settings};
use crate::embed::TwoFactorHost;
use crate::portal::line_types::LineTypeCheck;
use crate::events::Events;
use crate::flow::{Clock, CodeHasher, SystemClock};
use crate::gateways::{self, Outbox};
use crate::identity::ClientKeys;
use crate::portal::Verifier;
use crate::store::{Store, StoreError};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub settings: Arc<Settings>,
    pub store: Store,
    pub verifier: Arc<Verifier>,
    pub client_keys: Arc<ClientKeys>,
    /// Present only while the console gateway is one of the gateways.
    pub outbox: Option<Outbox>,
    /// What happens to verifications, for the host application to follow.
    pub events: Events,
    /// Where the pages are mounted: `""` for the portal, the host's path when embedded.
    #[from_ref(skip)]
    pub mount: String,
    /// The site the pages are embedded in; none for the portal.
    #[from_ref(skip)]
    pub host: Option<Arc<dyn TwoFactorHost>>,
    /// Carrier lookup of new numbers, when the settings turn it on.
    #[from_ref(skip)]
    pub line_types: Option<Arc<LineTypeCheck>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AppState {
    pub async fn build(settings: Settings, leptos_options: LeptosOptions) -> Result<Self, StartupError> {
        Self::build_with_clock(settings, leptos_options, Arc::new(SystemClock)).await
    }

    /// As `build`, with the clock the flow reads: tests pass a `FakeClock` to reach expiry.
    pub async fn build_with_clock(
        settings: Settings,
        leptos_options: LeptosOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartupError> {
        let store = Store::connect(&settings.database_url).await?;
        let hasher = CodeHasher::new(settings.secret_key()?.expose_secret().as_bytes());
        let client_keys = ClientKeys::new(&settings.client_secret()?);
        let events = Events::default();
        if let (Some(url), Some(secret)) = (&settings.webhook_url, &settings.webhook_secret) {
            crate::webhooks::outbound::spawn_relay(&events, url.clone(), secret.clone());
        }
        let gateways = gateways::build(&settings.gateways(), &events)?;
        let line_types = LineTypeCheck::from_settings(&settings, &events)?.map(Arc::new);
        let verifier = Verifier::new(
            store.clone(),
            gateways.sender,
            hasher,
            settings.policy(),
            clock,
            settings.service_name.clone(),
            events.clone(),
        );
        Ok(AppState {
            leptos_options,
            settings: Arc::new(settings),
            store,
            verifier: Arc::new(verifier),
            client_keys: Arc::new(client_keys),
            outbox: gateways.outbox,
            events,
            mount: String::new(),
            host: None,
            line_types,
        })
    }

    /// The demo relying application signs requests for anyone with the client secret: it runs
    /// only beside the console gateway (which production refuses), and never in a host site.
    pub fn serves_demo(&self) -> bool {
        // The console as the fallback of a real gateway is not enough: the demo signs requests.
        self.settings.gateway == crate::config::GatewayKind::Console && self.host.is_none()
    }

    /// The pages embedded in `host`'s site under `mount` (a path such as `/2fa`, or `/account/2fa`).
    pub fn embedded(mut self, mount: &str, host: Arc<dyn TwoFactorHost>) -> Self {
        self.mount = mount.trim_end_matches('/').to_owned();
        self.host = Some(host);
        self
    }
}
