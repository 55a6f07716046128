-- One-time codes sent by SMS to prove a phone is yours: to create a driver account (registration
-- never says whether a phone already has one) and to reset a forgotten password
-- (payments/phone-codes.ts). One live code per phone and purpose; a new request replaces it.
CREATE TABLE phone_codes (
  phone       text NOT NULL,
  purpose     text NOT NULL CHECK (purpose IN ('register', 'reset')),
  code_hash   text NOT NULL,                -- HMAC-SHA256 under AUTH_TOKEN_SECRET: a leaked table reveals no code
  expires_at  timestamptz NOT NULL,
  attempts    integer NOT NULL DEFAULT 0,   -- wrong tries; the code dies at 5
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (phone, purpose)
);
CREATE INDEX phone_codes_expiry ON phone_codes (expires_at);
