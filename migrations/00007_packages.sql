-- Access and portability packages: a ZIP built streaming from the source
-- systems, stored in sealed chunks (the subject's data key), downloaded by
-- the subject through the status link until it expires.

-- +goose Up
CREATE TABLE packages (
    request_id  uuid PRIMARY KEY REFERENCES requests (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    complete    boolean NOT NULL DEFAULT false,
    size        bigint NOT NULL DEFAULT 0,
    rows        bigint NOT NULL DEFAULT 0,
    chunks      integer NOT NULL DEFAULT 0
);
CREATE TABLE package_chunks (
    request_id  uuid NOT NULL REFERENCES packages (request_id) ON DELETE CASCADE,
    seq         integer NOT NULL,
    data        bytea NOT NULL,
    PRIMARY KEY (request_id, seq)
);

-- +goose Down
DROP TABLE package_chunks;
DROP TABLE packages;
