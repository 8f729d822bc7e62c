package store

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// Controller is an organisation that decides requests (LEGAL.md §1).
type Controller struct {
	ID         string `gorm:"primaryKey"`
	Name       string
	Role       string
	ForwardsTo *string
	Country    string
	TimeZone   string
	Language   string
	Settings   json.RawMessage
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Subject is a data subject; all personal data is in PII, encrypted with
// DataKey, which is itself wrapped by the master key KeyID.
type Subject struct {
	ID           uuid.UUID `gorm:"primaryKey"`
	ControllerID string
	KeyID        string
	DataKey      []byte
	PII          []byte `gorm:"column:pii"`
	CreatedAt    time.Time
	ErasedAt     *time.Time
}

// SubjectIdentifier is a keyed blind index of one identifier of a subject.
type SubjectIdentifier struct {
	SubjectID  uuid.UUID `gorm:"primaryKey"`
	Kind       string    `gorm:"primaryKey"`
	BlindIndex []byte    `gorm:"primaryKey"`
}

// Request is the read model of one rights request; its workflow is its only
// writer after intake.
type Request struct {
	ID              uuid.UUID `gorm:"primaryKey"`
	Reference       string
	ControllerID    string
	SubjectID       *uuid.UUID
	GroupID         *uuid.UUID
	Kind            string
	Channel         string
	Language        string
	Stage           string
	ReceivedOn      time.Time  `gorm:"type:date"`
	DueOn           *time.Time `gorm:"type:date"`
	StatutoryDueOn  *time.Time `gorm:"type:date"`
	ExtendedDueOn   *time.Time `gorm:"type:date"`
	PausedAt        *time.Time
	Assignee        *string
	Outcome         *string
	Breached        bool
	Late            bool
	IdempotencyKey  *string
	StatusTokenHash []byte
	WorkflowStarted bool
	Version         int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
	ClosedAt        *time.Time
	// Details is the request's kind-specific text, encrypted with its
	// subject's data key.
	Details          []byte
	IntakeIdentity   *string
	IntakeIdentityBy *string
	RegisteredBy     string `gorm:"default:subject"`
	// IntakeDigest is a keyed hash of the intake, to recognise a replay.
	IntakeDigest []byte
	// Attention names the step of the request's workflow that keeps
	// failing (project, notify, reply, forward), or "workflow" when the
	// workflow itself stopped; nil when all is well.
	Attention      *string
	AttentionSince *time.Time
	// StatusTokenSealed is the status link's token, sealed with the
	// subject's data key, for the receipt letter.
	StatusTokenSealed []byte
}

// Staff is a staff member in the directory: an opaque ID (the audit log's
// actor), what their identity provider or configuration says of them.
type Staff struct {
	ID          string `gorm:"primaryKey"`
	DisplayName string
	Email       string
	Language    string
	// Controllers lists the controller IDs the person acts for, space-separated; empty means all.
	Controllers string
	// Roles lists the person's roles at their last sign-in, space-separated.
	Roles     string
	Source    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName is the staff directory's table.
func (Staff) TableName() string { return "staff" }

// StaffSession is a signed-in staff member of the web UI. IDHash is the
// SHA-256 of the cookie's random value; Roles and Controllers are
// space-separated, Controllers empty meaning every controller.
type StaffSession struct {
	IDHash      []byte `gorm:"primaryKey"`
	Actor       string
	Roles       string
	Controllers string
	DisplayName string
	CreatedAt   time.Time
	SeenAt      time.Time
	ExpiresAt   time.Time
}

// ActionKey binds an Idempotency-Key of a caseworker action to the action,
// the request and the body it was first used with.
type ActionKey struct {
	Actor     string `gorm:"primaryKey"`
	Key       string `gorm:"primaryKey"`
	Action    string
	RequestID uuid.UUID
	Digest    []byte
	CreatedAt time.Time
}

// Task is a piece of work a caseworker does for a request.
type Task struct {
	ID          uuid.UUID `gorm:"primaryKey"`
	RequestID   uuid.UUID
	Kind        string
	Status      string
	Assignee    *string
	DueOn       *time.Time `gorm:"type:date"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
	CompletedAt *time.Time
	CompletedBy *string
	// LetterID is the letter a print or confirmation task is about.
	LetterID *uuid.UUID
}

// Event is one entry of the append-only audit log.
type Event struct {
	ID         int64 `gorm:"primaryKey"`
	EventKey   string
	RequestID  uuid.UUID
	At         time.Time
	Actor      string
	Action     string
	Data       json.RawMessage
	RecordedAt time.Time `gorm:"->"`
}

// Note is a caseworker's note on a request, written by the request's
// workflow through its projection. Text is sealed with the subject's data
// key; it is nil once the person's data is erased, or when the request has
// no subject to seal it for.
type Note struct {
	RequestID uuid.UUID `gorm:"primaryKey"`
	Seq       int       `gorm:"primaryKey"`
	At        time.Time
	Actor     string
	Text      []byte
}

// Notice is a reminder, escalation or breach notice about a request.
type Notice struct {
	ID        uuid.UUID `gorm:"primaryKey"`
	NoticeKey string
	RequestID uuid.UUID
	Kind      string
	Recipient string
	DueAt     time.Time
	CreatedAt time.Time
	SentAt    *time.Time
}

// Access is one reading of a subject's personal data.
type Access struct {
	ID        int64 `gorm:"primaryKey"`
	RequestID uuid.UUID
	Actor     string
	At        time.Time `gorm:"->"`
	What      string
	// Factor is what allowed a package download: the status link alone
	// ("link"), the link and a one-time code sent by a channel
	// ("link+code:<channel>"), or a staff member's sign-in ("staff").
	Factor *string
}

// TableName is the access log's table.
func (Access) TableName() string { return "access_log" }

// Letter is one letter or notice in the outbox.
type Letter struct {
	ID        uuid.UUID `gorm:"primaryKey"`
	LetterKey string
	RequestID uuid.UUID
	Kind      string
	Audience  string
	Channel   string
	Language  string
	// Content and PDF are sealed with the subject's data key.
	Content   []byte
	PDF       []byte `gorm:"column:pdf"`
	Status    string
	Attempts  int
	LastError *string
	CreatedAt time.Time
	UpdatedAt time.Time
	SentAt    *time.Time
}

// Digest is one daily digest e-mail of a controller's breached and
// soon-due requests, to one recipient.
type Digest struct {
	ID           uuid.UUID `gorm:"primaryKey"`
	DigestKey    string
	ControllerID string
	Recipient    string
	SubjectLine  string
	BodyText     string
	BodyHTML     string `gorm:"column:body_html"`
	Status       string
	Attempts     int
	LastError    *string
	CreatedAt    time.Time
	SentAt       *time.Time
}

// Package is a request's access or portability package (a ZIP in sealed
// chunks).
type Package struct {
	RequestID uuid.UUID `gorm:"primaryKey"`
	CreatedAt time.Time
	ExpiresAt time.Time
	Complete  bool
	Size      int64
	Rows      int64
	Chunks    int
	// Special is set when the package has rows of a dataset of special
	// categories (Art. 9): it is released only with a second factor.
	Special bool
	// Datasets are the system/dataset the package has rows of; nil for a
	// package built before they were recorded.
	Datasets []string `gorm:"serializer:json"`
	// DestroyedAt is when an erasure (DestroyedBy) of data the package
	// held destroyed it: its chunks are gone.
	DestroyedAt *time.Time
	DestroyedBy *uuid.UUID
}

// PackageCode is a one-time code sent to release a package: only a keyed
// hash of it is kept.
type PackageCode struct {
	ID        uuid.UUID `gorm:"primaryKey"`
	RequestID uuid.UUID
	CodeHash  []byte
	Channel   string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
	// Failures are the wrong codes tried while this one was valid.
	Failures int
}

// PackageChunk is one sealed piece of a package.
type PackageChunk struct {
	RequestID uuid.UUID `gorm:"primaryKey"`
	Seq       int       `gorm:"primaryKey"`
	Data      []byte
}
