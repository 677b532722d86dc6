//! What the adapters read from each request besides its body: who asks (their address, for the
//! send limits) and in which language.

pub mod client_ip;
pub mod locale;
