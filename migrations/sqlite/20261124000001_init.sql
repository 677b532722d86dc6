-- Users of relying applications, known by the id their application gives them.
CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    phone TEXT,
    phone_verified_at BIGINT,
    email TEXT,
    email_verified_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE verifications (
    id TEXT PRIMARY KEY NOT NULL,
    subject TEXT NOT NULL REFERENCES users (id),
    destination TEXT NOT NULL,
    channel TEXT NOT NULL,
    code_hash BLOB NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    sends INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    last_sent_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    approved_at BIGINT,
    -- Bumped on every update so concurrent checks cannot both spend the same attempt.
    revision BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX verifications_by_subject ON verifications (subject, created_at);

-- One row per code sent, for the per-destination send limit.
CREATE TABLE sends (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    destination TEXT NOT NULL,
    verification_id TEXT NOT NULL REFERENCES verifications (id),
    channel TEXT NOT NULL,
    sent_at BIGINT NOT NULL
);
CREATE INDEX sends_by_destination ON sends (destination, sent_at);

-- One row per code checked: the audit trail of attempts.
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    verification_id TEXT NOT NULL REFERENCES verifications (id),
    checked_at BIGINT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX attempts_by_verification ON attempts (verification_id);

-- Nonces of signed requests already used, kept until the request would have expired anyway.
CREATE TABLE used_nonces (
    nonce TEXT PRIMARY KEY NOT NULL,
    expires_at BIGINT NOT NULL
);
