-- The provider's id of a verification whose code the provider makes and checks (Twilio Verify's VE…).
ALTER TABLE verifications ADD COLUMN provider_sid TEXT;
