-- Releasing a package only to its person (docs/PRIVACY.md): what a package
-- holds (the datasets it has rows of, and whether any is of special
-- categories), the one-time codes a package with special categories needs
-- beside the status link (only a keyed hash of each is kept), a package
-- destroyed by an erasure of the data it held, and the factor a reading
-- was allowed by, in the access log.

-- +goose Up
ALTER TABLE packages
    ADD COLUMN special      boolean NOT NULL DEFAULT false,
    -- A JSON array of system/dataset, every dataset the package has rows
    -- of; NULL for a package built before it was recorded (it is taken to
    -- hold them all).
    ADD COLUMN datasets     jsonb,
    ADD COLUMN destroyed_at timestamptz,
    -- The erasure request that destroyed it.
    ADD COLUMN destroyed_by uuid REFERENCES requests (id);

CREATE TABLE package_codes (
    id          uuid PRIMARY KEY,
    request_id  uuid NOT NULL REFERENCES packages (request_id) ON DELETE CASCADE,
    code_hash   bytea NOT NULL,
    channel     text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    -- Wrong codes tried while this one was the valid one.
    failures    integer NOT NULL DEFAULT 0
);
CREATE INDEX package_codes_request ON package_codes (request_id, created_at);

ALTER TABLE access_log ADD COLUMN factor text;

-- +goose Down
ALTER TABLE access_log DROP COLUMN factor;
DROP TABLE package_codes;
ALTER TABLE packages
    DROP COLUMN destroyed_by,
    DROP COLUMN destroyed_at,
    DROP COLUMN datasets,
    DROP COLUMN special;
