-- The gateway owns organisations, their members and their API credentials.
CREATE SCHEMA IF NOT EXISTS gateway;

CREATE TABLE gateway.organizations (
    id text PRIMARY KEY,
    name text NOT NULL UNIQUE,
    slug text NOT NULL UNIQUE,
    type text NOT NULL DEFAULT 'business',
    image text,
    signature_level text NOT NULL DEFAULT 'simple',
    timestamp_provider text NOT NULL DEFAULT 'default',
    default_otp_method text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE gateway.members (
    id text PRIMARY KEY,
    org_id text NOT NULL REFERENCES gateway.organizations (id),
    name text NOT NULL,
    email text NOT NULL,
    image text,
    role text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    joined_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, email)
);

-- Keys are stored only as SHA-256 hashes (the keys carry 264 bits of randomness, so a fast
-- hash is not brute-forceable); `prefix` is kept for display in `keys list`.
CREATE TABLE gateway.api_keys (
    id text PRIMARY KEY,
    org_id text NOT NULL REFERENCES gateway.organizations (id),
    member_id text NOT NULL REFERENCES gateway.members (id),
    name text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('insigner', 'wpsigner')),
    prefix text NOT NULL,
    key_hash bytea NOT NULL UNIQUE,
    secret_hash bytea,
    scopes text[] NOT NULL DEFAULT '{}',
    read_only boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX api_keys_org ON gateway.api_keys (org_id);
