-- Housekeeping finds what has aged out by index, not by a scan.
CREATE INDEX verifications_by_expiry ON verifications (expires_at);
CREATE INDEX verifications_by_provider_sid ON verifications (provider_sid);
CREATE INDEX deliveries_by_age ON deliveries (created_at) WHERE sealed_code IS NOT NULL;
