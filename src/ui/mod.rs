//! The portal's pages and the components they share.

pub mod delivery;
pub mod demo;
pub mod email;
pub mod failure;
pub mod journey_page;
pub mod home;
pub mod icons;
pub mod layout;
pub mod methods;
pub mod notice;
pub mod outcome;
pub mod phone;
pub mod success;
pub mod token;
pub mod web_otp;
