//! The application layer: the core rules joined to storage, delivery, the signed hand-off and
//! the host site. `Application` owns these; the adapters above (pages and server functions, the
//! JSON API, the webhooks) are thin and call into it.

pub mod deliveries;
pub mod destinations;
pub mod errors;
pub mod host;
pub mod housekeeping;
pub mod journey;
pub mod line_types;
pub mod requests;
pub mod rules;
pub mod verifier;

pub use verifier::{Approval, CodeStatus, Grounds, NewCode, Owner, Verifier};

use secrecy::ExposeSecret;
use std::sync::Arc;

use crate::wording::messages::Signature;
use crate::config::{ConfigError, Settings};
use crate::events::Events;
use crate::domain::{Clock, CodeHasher, SystemClock};
use crate::gateways::{self, Outbox};
use crate::handoff::ClientKeys;
use crate::store::sessions::SessionStores;
use crate::store::{self, Store, StoreError};
use host::TwoFactorHost;
use line_types::LineTypeCheck;

/// Everything a verification needs, built once from the settings and shared by every adapter.
#[derive(Clone)]
pub struct Application {
    pub settings: Arc<Settings>,
    pub store: Store,
    /// Where the journey's sessions live: the database, or Redis when the settings name one.
    pub sessions: SessionStores,
    pub verifier: Arc<Verifier>,
    pub client_keys: Arc<ClientKeys>,
    /// Present only while the console gateway is one of the gateways.
    pub outbox: Option<Outbox>,
    /// What happens to verifications, for the host application to follow.
    pub events: Events,
    /// Where the pages are mounted: `""` for the portal, the host's path when embedded.
    pub mount: String,
    /// The site the pages are embedded in; none for the portal.
    pub host: Option<Arc<dyn TwoFactorHost>>,
    /// Carrier lookup of new numbers, when the settings turn it on.
    pub line_types: Option<Arc<LineTypeCheck>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// As `build`, with the clock the core reads: tests pass a `FakeClock` to reach expiry.
    pub async fn build_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> Result<Self, StartupError> {
        let store = store::connect(&settings.database_url).await?;
        let sessions = match &settings.redis_url {
            Some(url) => SessionStores::redis(url.expose_secret()).await?,
            None => store.sessions()?,
        };
        let hasher = CodeHasher::new(settings.secret_key()?.expose_secret().as_bytes());
        let client_keys = ClientKeys::new(&settings.client_secret()?);
        let events = Events::default();
        let gateways = gateways::build(&settings.gateways(), &events)?;
        let line_types = LineTypeCheck::from_settings(&settings, &events)?.map(Arc::new);
        let verifier = Verifier::new(
            store.clone(),
            gateways.sender,
            hasher,
            settings.policy(),
            clock,
            Signature { service: settings.service_name.clone(), site_host: settings.public_url.host_str().map(str::to_owned) },
            events.clone(),
        );
        Ok(Application {
            settings: Arc::new(settings),
            store,
            sessions,
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

    /// Whether a relying application's result may go back to `url`: short enough, and within the
    /// origins the settings allow.
    pub fn allows_return_url(&self, url: &str) -> bool {
        crate::bounds::fits(url, crate::bounds::URL) && url::Url::parse(url).is_ok_and(|parsed| self.settings.allows_return_to(&parsed))
    }

    /// The pages embedded in `host`'s site under `mount` (a path such as `/2fa`, or `/account/2fa`).
    pub fn embedded(mut self, mount: &str, host: Arc<dyn TwoFactorHost>) -> Self {
        self.mount = mount.trim_end_matches('/').to_owned();
        self.host = Some(host);
        self
    }
}
