-- One row per code handed to a gateway: what the provider reports back about it.
CREATE TABLE deliveries (
    -- SHA-256 of the token in the provider's callback URLs; the token itself is never stored.
    token_hash TEXT PRIMARY KEY NOT NULL,
    verification_id TEXT NOT NULL REFERENCES verifications (id),
    channel TEXT NOT NULL,
    gateway TEXT,
    -- The provider's id (Twilio's SM… or CA… sid) once it accepted the message.
    provider_id TEXT,
    locale TEXT NOT NULL,
    -- A call's code, encrypted under the token, until the call ends.
    sealed_code BLOB,
    state TEXT NOT NULL,
    sequence BIGINT,
    error_code TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    revision BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX deliveries_by_verification ON deliveries (verification_id, created_at);
