-- The staff directory records each person's roles (caseworker, dpo, admin,
-- space-separated) at every sign-in, as it records their controllers: a
-- request is assigned only to someone with a caseworker's role (caseworker
-- or admin) for its controller. Rows from before have none, so nobody is
-- assignable until they sign in again; the static tokens' rows are written
-- again when the API starts.

-- +goose Up
ALTER TABLE staff ADD COLUMN roles text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE staff DROP COLUMN roles;
