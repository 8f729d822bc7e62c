-- Staff sessions of the web UI: a caseworker or DPO signed in through the
-- organisation's identity provider (OIDC authorisation code with PKCE). The
-- browser holds a random session ID in a cookie; only its SHA-256 is kept,
-- so a copy of the table opens no session.

-- +goose Up
CREATE TABLE staff_sessions (
    id_hash     bytea PRIMARY KEY,
    actor       text NOT NULL,
    roles       text NOT NULL,
    controllers text NOT NULL,
    display_name text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    seen_at     timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX staff_sessions_expires_at ON staff_sessions (expires_at);
CREATE INDEX staff_sessions_actor ON staff_sessions (actor);

-- +goose Down
DROP TABLE staff_sessions;
