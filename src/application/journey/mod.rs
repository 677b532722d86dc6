//! A user's way through the pages, kept in the server-side session: which request they came
//! with, which method they chose, their pending verification and the outcome.
//!
//! - `state`: what the session keeps;
//! - `steps`: which page that state is on (pure);
//! - `commands`: what the user does, each returning the step that follows or the refusal;
//! - `view`: what a page shows;
//! - `ends`: how a journey begins (a signed request, a host's user) and ends (a signed result,
//!   a passed factor in the host's session).
//!
//! Turning a refusal into a notice on a page is the page adapter's job; the JSON API answers it.

mod commands;
mod ends;
mod state;
mod steps;
mod view;

pub use commands::{cancel, check_code, choose_method, register_email, register_phone, resend_code, restart, switch_channel};
pub use ends::{PASSED_KEY, SecondFactor, begin, finish, open_for_host_user, skip_registration};
pub use state::{Asker, Moved};
pub use steps::offered_methods;
pub use view::{Flash, delivery_state, view};
