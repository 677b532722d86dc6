//! The site's own users and sign-in, and what it tells leptos-2fa about them.

use axum::http::request::Parts;
use leptos_2fa::embed::{HostUser, TwoFactorHost, async_trait};
use leptos_2fa::events::{Event, Events};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tower_sessions::Session;

/// The session key of the signed-in user's name.
pub const USER_KEY: &str = "northwind.user";

#[derive(Debug, Clone)]
pub struct Account {
    password: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The site's accounts, in memory: an example site needs no database of its own.
#[derive(Clone, Default)]
pub struct Directory {
    accounts: Arc<Mutex<HashMap<String, Account>>>,
}

impl Directory {
    /// alice has a phone number on file; bob has none and registers one on his first visit.
    pub fn with_demo_accounts() -> Self {
        let directory = Directory::default();
        {
            let mut accounts = directory.accounts.lock().unwrap_or_else(PoisonError::into_inner);
            let account = |phone: Option<&str>, email: &str| Account {
                password: "northwind".to_owned(),
                phone: phone.map(str::to_owned),
                email: Some(email.to_owned()),
            };
            accounts.insert("alice".to_owned(), account(Some("+33612345678"), "alice@northwind.example"));
            accounts.insert("bob".to_owned(), account(None, "bob@northwind.example"));
        }
        directory
    }

    pub fn account(&self, user: &str) -> Option<Account> {
        self.accounts.lock().unwrap_or_else(PoisonError::into_inner).get(user).cloned()
    }

    /// Whether `password` is `user`'s.
    pub fn check_password(&self, user: &str, password: &str) -> bool {
        self.account(user).is_some_and(|account| account.password == password)
    }

    /// Saves what the user verified, as leptos-2fa reports it: the library stores no host data.
    pub fn follow(&self, events: &Events) {
        let mut events = events.subscribe();
        let directory = self.clone();
        tokio::spawn(async move {
            while let Ok(event) = events.recv().await {
                if let Event::UserDataChanged { subject, field, value } = event {
                    let mut accounts = directory.accounts.lock().unwrap_or_else(PoisonError::into_inner);
                    if let Some(account) = accounts.get_mut(&subject) {
                        match field {
                            "phone_number" => account.phone = Some(value),
                            _ => account.email = Some(value),
                        }
                    }
                }
            }
        });
    }
}

#[async_trait]
impl TwoFactorHost for Directory {
    async fn current_user(&self, request: &Parts) -> Option<HostUser> {
        let session = request.extensions.get::<Session>()?;
        let id: String = session.get(USER_KEY).await.ok()??;
        let account = self.account(&id)?;
        Some(HostUser { id, phone: account.phone, email: account.email })
    }

    fn sign_in_path(&self) -> String {
        "/sign-in".to_owned()
    }

    fn success_path(&self, _user: &HostUser) -> String {
        "/account".to_owned()
    }
}
