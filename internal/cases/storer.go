package cases

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/rightsdesk/rightsdesk/internal/store"
)

// Storer is what the service needs of the database: the queries of
// internal/store, one file there per aggregate. *store.Store implements it.
type Storer interface {
	RequestStorer
	TaskStorer
	// Controllers (store/controllers.go).
	ControllerByID(ctx context.Context, id string) (*store.Controller, error)
	Controllers(ctx context.Context, ids []string) ([]store.Controller, error)
	// Events, letters, the access log (store/events.go, letters.go, access.go).
	Events(ctx context.Context, requestID uuid.UUID) ([]store.Event, error)
	Letters(ctx context.Context, requestID uuid.UUID) ([]store.Letter, error)
	LetterOf(ctx context.Context, requestID, id uuid.UUID) (*store.Letter, error)
	LogAccess(ctx context.Context, a store.Access) error
	AccessLog(ctx context.Context, requestID uuid.UUID) ([]store.Access, error)
	// Idempotency keys of actions (store/actionkeys.go).
	BindActionKey(ctx context.Context, row store.ActionKey) (store.ActionKey, error)
	PackageStorer
	StaffStorer
	// Ping reports whether the database answers (store/store.go).
	Ping(ctx context.Context) error
	// Reports (store/reports.go).
	Summary(ctx context.Context, controllers []string, from, to time.Time) (store.Report, error)
}

// RequestStorer reads requests (store/requests.go).
type RequestStorer interface {
	ListRequests(ctx context.Context, f store.RequestFilter) ([]store.Request, error)
	VisibleRequest(ctx context.Context, id uuid.UUID, controllers []string) (*store.Request, error)
	RequestByID(ctx context.Context, id uuid.UUID) (store.Request, error)
	RequestVersion(ctx context.Context, id uuid.UUID) (int64, error)
	RequestByStatusToken(ctx context.Context, hash []byte) (*store.Request, error)
	GroupRequests(ctx context.Context, groupID uuid.UUID) ([]store.Request, error)
	GroupIDs(ctx context.Context, groupID uuid.UUID) ([]uuid.UUID, error)
	ReceivedOn(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]time.Time, error)
	RequestsOfIdentifiers(ctx context.Context, ids []store.Identifier, controllers []string, limit int) ([]store.Request, error)
	RequestsWithIdentifier(ctx context.Context, controllerID string, id store.Identifier, except []uuid.UUID, notBy string, limit int) ([]store.MatchedRequest, error)
	RequestHasIdentifier(ctx context.Context, requestID uuid.UUID, id store.Identifier) (bool, error)
	OpenBands(ctx context.Context, controllers []string, now time.Time) ([]store.Band, error)
}

// TaskStorer reads tasks (store/tasks.go). The workflow's projection is
// their only writer.
type TaskStorer interface {
	ListTasks(ctx context.Context, f store.TaskFilter) ([]store.QueueTask, error)
	VisibleTask(ctx context.Context, id uuid.UUID, controllers []string) (*store.Task, error)
	RequestsOfTasks(ctx context.Context, ids []uuid.UUID) ([]uuid.UUID, error)
}

// PackageStorer reads packages and keeps their one-time codes (store/packages.go).
type PackageStorer interface {
	PackageOf(ctx context.Context, requestID uuid.UUID) (store.Package, error)
	ReadyPackage(ctx context.Context, requestID uuid.UUID) (store.Package, error)
	DestroyedPackages(ctx context.Context, requestIDs []uuid.UUID) (int64, error)
	LastPackageCode(ctx context.Context, requestID uuid.UUID) (store.PackageCode, error)
	WithPackageLocked(ctx context.Context, requestID uuid.UUID, since time.Time, fn func(tx store.CodeTx, recent []store.PackageCode) error) error
	// PackageChunk reads one sealed piece of a package; the service opens
	// it with the subject's key.
	PackageChunk(ctx context.Context, requestID uuid.UUID, seq int) (store.PackageChunk, error)
	VoidPackageCode(ctx context.Context, id uuid.UUID) error
	SetPackageCodeChannel(ctx context.Context, id uuid.UUID, channel string) error
}

// StaffStorer keeps the staff directory and the pages' sessions
// (store/staff.go, sessions.go).
type StaffStorer interface {
	UpsertStaff(ctx context.Context, row store.Staff) error
	StaffByID(ctx context.Context, id string) (*store.Staff, error)
	ListStaff(ctx context.Context, limit int) ([]store.Staff, error)
	StartSession(ctx context.Context, row store.StaffSession, replaces []byte) error
	LiveSession(ctx context.Context, hash []byte, seenSince time.Time) (*store.StaffSession, error)
	SeeSession(ctx context.Context, hash []byte, now time.Time) error
	EndSession(ctx context.Context, hash []byte) error
}

var _ Storer = (*store.Store)(nil)
