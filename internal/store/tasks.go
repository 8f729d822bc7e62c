package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// TaskScope says whose open tasks a queue shows.
type TaskScope string

// The scopes of the queue.
const (
	TasksMine             TaskScope = "mine"
	TasksUnassigned       TaskScope = "unassigned"
	TasksMineOrUnassigned TaskScope = "mine_or_unassigned"
	TasksAll              TaskScope = "all"
)

// TaskFilter selects open tasks for the caseworker queue. Every filter is
// applied in SQL, so a page of a filtered queue holds the first matches of
// all open tasks, however many there are.
type TaskFilter struct {
	// Controllers limits the queue to the caller's controllers; empty means all.
	Controllers []string
	// Actor is the caller, for the scopes mine and mine_or_unassigned.
	Actor string
	Scope TaskScope
	// Kind is a task kind (verify_identity, decide, ...); empty means any.
	Kind string
	// RequestKind is the right of the task's request; empty means any.
	RequestKind string
	// Stage is the stage of the task's request; empty means any.
	Stage string
	// Controller is one controller; empty means any the caller may see.
	Controller string
	// After continues a list after the task it names (keyset paging).
	After *TaskKey
	// Limit is the most rows returned.
	Limit int
}

// TaskKey is a task's place in the queue: by due day (none last), then ID.
type TaskKey struct {
	DueOn *time.Time
	ID    uuid.UUID
}

// QueueTask is an open task with what the queue shows of its request.
type QueueTask struct {
	Task
	Reference    string
	ControllerID string
	RequestKind  string
	Stage        string
	ReceivedOn   time.Time `gorm:"type:date"`
	TimeZone     string
}

// Key is the task's place in the queue.
func (t QueueTask) Key() TaskKey { return TaskKey{DueOn: t.DueOn, ID: t.ID} }

// ListTasks reads the open tasks a filter selects, soonest due first (tasks
// without a due day last), at most f.Limit of them. The order is
// (COALESCE(due_on, 'infinity'), id), which the partial indexes of
// migration 00014 serve.
func (s *Store) ListTasks(ctx context.Context, f TaskFilter) ([]QueueTask, error) {
	db := s.DB.WithContext(ctx).Table("tasks").
		Select("tasks.*, requests.reference, requests.controller_id, requests.kind AS request_kind, requests.stage, requests.received_on, controllers.time_zone").
		Joins("JOIN requests ON requests.id = tasks.request_id").
		Joins("JOIN controllers ON controllers.id = requests.controller_id").
		Where("tasks.status = 'open'")
	db = inControllers(db, f.Controllers, "requests.controller_id")
	switch f.Scope {
	case TasksMine:
		db = db.Where("tasks.assignee = ?", f.Actor)
	case TasksUnassigned:
		db = db.Where("tasks.assignee IS NULL")
	case TasksMineOrUnassigned, "":
		db = db.Where("(tasks.assignee IS NULL OR tasks.assignee = ?)", f.Actor)
	}
	if f.Kind != "" {
		db = db.Where("tasks.kind = ?", f.Kind)
	}
	if f.RequestKind != "" {
		db = db.Where("requests.kind = ?", f.RequestKind)
	}
	if f.Stage != "" {
		db = db.Where("requests.stage = ?", f.Stage)
	}
	if f.Controller != "" {
		db = db.Where("requests.controller_id = ?", f.Controller)
	}
	if k := f.After; k != nil {
		if k.DueOn == nil {
			db = db.Where("tasks.due_on IS NULL AND tasks.id > ?", k.ID)
		} else {
			db = db.Where("(COALESCE(tasks.due_on, 'infinity'::date), tasks.id) > (?::date, ?)", k.DueOn.Format(time.DateOnly), k.ID)
		}
	}
	var rows []QueueTask
	err := db.Order("COALESCE(tasks.due_on, 'infinity'::date), tasks.id").Limit(f.Limit).Scan(&rows).Error
	return rows, err
}

// VisibleTask reads an open or closed task whose request is of one of the
// controllers (all when empty); nil when there is none.
func (s *Store) VisibleTask(ctx context.Context, id uuid.UUID, controllers []string) (*Task, error) {
	var t Task
	db := s.DB.WithContext(ctx).Table("tasks").Select("tasks.*").
		Joins("JOIN requests ON requests.id = tasks.request_id").Where("tasks.id = ?", id)
	if err := inControllers(db, controllers, "requests.controller_id").Limit(1).Scan(&t).Error; err != nil {
		return nil, err
	}
	if t.ID == uuid.Nil {
		return nil, nil
	}
	return &t, nil
}

// RequestsOfTasks are the distinct requests of some tasks.
func (s *Store) RequestsOfTasks(ctx context.Context, ids []uuid.UUID) ([]uuid.UUID, error) {
	var out []uuid.UUID
	err := s.DB.WithContext(ctx).Model(&Task{}).Distinct("request_id").Where("id IN ?", ids).Pluck("request_id", &out).Error
	return out, err
}

// inControllers limits a query to some controllers; none means all.
func inControllers(db *gorm.DB, controllers []string, column string) *gorm.DB {
	if len(controllers) == 0 {
		return db
	}
	return db.Where(column+" IN ?", controllers)
}
