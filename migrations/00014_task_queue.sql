-- Indexes for the caseworker queue (GET /v1/tasks, the inbox): it pages
-- open tasks by (COALESCE(due_on, 'infinity'), id) and filters by task kind
-- in SQL, so a filtered queue finds matches beyond the first page of all
-- open tasks.

-- +goose Up
CREATE INDEX tasks_queue ON tasks ((COALESCE(due_on, 'infinity'::date)), id) WHERE status = 'open';
CREATE INDEX tasks_queue_by_kind ON tasks (kind, (COALESCE(due_on, 'infinity'::date)), id) WHERE status = 'open';

-- +goose Down
DROP INDEX tasks_queue_by_kind;
DROP INDEX tasks_queue;
