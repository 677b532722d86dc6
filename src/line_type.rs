//! Twilio Lookup's names for kinds of phone line: the vocabulary the settings name allowed ones
//! in, below both the settings and the Lookup gateway that reports them.

/// The line types Lookup reports.
pub const LINE_TYPES: &[&str] = &[
    "landline",
    "mobile",
    "fixedVoip",
    "nonFixedVoip",
    "personal",
    "tollFree",
    "premium",
    "sharedCost",
    "uan",
    "voicemail",
    "pager",
    "unknown",
];
