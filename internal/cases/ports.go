package cases

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/rightsdesk/rightsdesk/internal/connectors"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/policy"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// The service's ports beside Storer: what it needs of the persons' sealed
// data, the outbox and the source systems, declared here so that cases
// depends on no concrete adapter (no GORM, no activities). The concrete
// types are checked against them here (intake) and in ports_test.go
// (activities, which cases does not import).

// Subjects is the encrypted store of the persons and their intakes:
// *intake.Service implements it.
type Subjects interface {
	// Register writes an intake: its subject sealed, its request, its
	// identifiers' blind indexes; a replayed key returns the first result.
	Register(ctx context.Context, in intake.Intake) (intake.Result, error)
	// OpenSubject opens a subject and returns its data key too.
	OpenSubject(ctx context.Context, id uuid.UUID) (intake.Subject, []byte, error)
	// LoadSubject opens a subject.
	LoadSubject(ctx context.Context, id uuid.UUID) (intake.Subject, error)
	// OpenRequest opens a request's subject and its sealed details.
	OpenRequest(ctx context.Context, r store.Request) (intake.Subject, json.RawMessage, error)
	// OpenNotes opens a request's caseworker notes.
	OpenNotes(ctx context.Context, r store.Request) ([]intake.Note, error)
	// PendingFor are the other open requests of the same person.
	PendingFor(ctx context.Context, r store.Request) ([]store.Request, error)
	// OtherRequestsLastYear counts the person's other requests within a
	// year (Art. 12(5)).
	OtherRequestsLastYear(ctx context.Context, r store.Request) (int, error)
}

// CodeSender sends the one-time codes that release packages beside the
// status link: *activities.Outbox implements it.
type CodeSender interface {
	// CodeChannels are the channels a request's code may go by, best first.
	CodeChannels(ctx context.Context, req store.Request, also ...string) ([]string, error)
	// SendPackageCode sends a code by the first channel that takes it and
	// names that channel; rights.ErrNoCodeChannel when none is left.
	SendPackageCode(ctx context.Context, req store.Request, channels []string, code string, valid time.Duration) (string, error)
}

// SourceSystems search the controllers' source systems for a person's
// identifiers: *activities.Systems implements it.
type SourceSystems interface {
	SearchIdentifiers(ctx context.Context, systems []policy.System, ids map[string]string, key string) connectors.Search
}

var _ Subjects = (*intake.Service)(nil)
