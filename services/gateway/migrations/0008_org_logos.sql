-- Organisation logos (PUT /api/v1/org/logo, docs/api.md): each version is kept under its content
-- hash, so a document created under an older logo (and the emails about it) still shows that one.
-- Public at GET /brand/logos/{sha256}.png: a logo is meant to be seen by every signer.
CREATE TABLE IF NOT EXISTS gateway.org_logos (
    sha256 text PRIMARY KEY,
    org_id text NOT NULL REFERENCES gateway.organizations (id),
    png bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE gateway.organizations ADD COLUMN IF NOT EXISTS logo_sha256 text;
