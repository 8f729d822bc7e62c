-- Indexes for the request list (docs/BENCHMARKS.md): it pages by
-- (COALESCE(due_on, 'infinity'), id), optionally by stage, and the overdue
-- filter looks at open requests by due date. Without them a list over a
-- million requests sorted the whole table.

-- +goose Up
CREATE INDEX requests_list ON requests ((COALESCE(due_on, 'infinity'::date)), id);
CREATE INDEX requests_list_by_stage ON requests (stage, (COALESCE(due_on, 'infinity'::date)), id);
CREATE INDEX requests_list_open ON requests ((COALESCE(due_on, 'infinity'::date)), id) WHERE closed_at IS NULL;

-- +goose Down
DROP INDEX requests_list_open;
DROP INDEX requests_list_by_stage;
DROP INDEX requests_list;
