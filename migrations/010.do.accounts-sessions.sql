-- Who signs in to the operators' console, and the sessions behind every token.
--
-- An operator (migrations/001 `operators`) is a tenant: a company that runs lots. People sign in
-- with accounts: an operator's admin or staff, or the city's platform team (role `city`, no
-- tenant). A bearer token names a session (core/sessions.ts); a session is honoured only while it
-- is unexpired, unrevoked and its account active, so signing out, a password change or disabling
-- an account ends it at once.
CREATE TABLE operator_accounts (
  id                 text PRIMARY KEY,                    -- the sign-in name, e.g. op-zzpark or li.wei@zzpark
  operator_id        text REFERENCES operators(id),       -- the tenant; NULL for the city role
  role               text NOT NULL CHECK (role IN ('city', 'admin', 'staff')),
  name               text NOT NULL,
  password_hash      text,                                -- scrypt (core/passwords.ts); NULL: cannot sign in yet
  must_set_password  boolean NOT NULL DEFAULT false,      -- onboarding: the first sign-in sets the password
  active             boolean NOT NULL DEFAULT true,
  refund_limit_fen   bigint CHECK (refund_limit_fen >= 0), -- staff: refunds above it wait for an admin
  created_at         timestamptz NOT NULL DEFAULT now(),
  CHECK ((role = 'city') = (operator_id IS NULL))
);
CREATE INDEX operator_accounts_tenant ON operator_accounts (operator_id);

-- Every operator that could sign in before keeps its sign-in, as its tenant's admin.
INSERT INTO operator_accounts (id, operator_id, role, name, password_hash)
  SELECT id, id, 'admin', name, password_hash FROM operators WHERE password_hash IS NOT NULL;
ALTER TABLE operators DROP COLUMN password_hash;

CREATE TABLE auth_sessions (
  id          text PRIMARY KEY,                           -- 128 random bits; what a token names
  driver_id   bigint REFERENCES drivers(id) ON DELETE CASCADE,
  account_id  text REFERENCES operator_accounts(id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz,
  CHECK ((driver_id IS NULL) <> (account_id IS NULL))
);
CREATE INDEX auth_sessions_driver ON auth_sessions (driver_id) WHERE driver_id IS NOT NULL;
CREATE INDEX auth_sessions_account ON auth_sessions (account_id) WHERE account_id IS NOT NULL;
CREATE INDEX auth_sessions_expiry ON auth_sessions (expires_at);
