package rights

import (
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/rightsdesk/rightsdesk/internal/policy"
)

// ErrNoCodeChannel is a package whose person has no channel for a code
// other than the one the status link went by. The outbox returns it; the
// case service answers it with a rule the person can read.
var ErrNoCodeChannel = errors.New("outbox: the person has no other channel than the status link's for a one-time code")

// EventInput is one audit-log entry to record.
type EventInput struct {
	// Key identifies the event: recording the same key twice records one row.
	Key       string
	RequestID uuid.UUID
	At        time.Time
	Actor     string
	Action    string
	Data      map[string]any
	// Note is the note a note.added event records: the projection seals
	// its text into the notes table; the audit log keeps only its number.
	Note *NoteInput `json:",omitempty"`
}

// NoteInput is a caseworker's note to keep with the request.
type NoteInput struct {
	// Seq numbers the request's notes from 1.
	Seq  int
	Text string
}

// Letter statuses in the outbox.
const (
	LetterPending = "pending" // written, not yet handed to a channel
	LetterSending = "sending" // handed over; the outcome not yet recorded
	LetterSent    = "sent"
	LetterConfirm = "confirm" // an e-mail whose outcome is unknown: a caseworker confirms
	LetterPrint   = "print"   // to be printed and posted by a caseworker
	LetterPrinted = "printed"
	// LetterHeld is returned, never stored: no channel is configured.
	LetterHeld = "held"
)

// LetterFacts are what a letter tells that only the workflow knows: the
// decision, the extension's words, what is asked of the subject.
type LetterFacts struct {
	Outcome              string     `json:",omitempty"`
	Grounds              []string   `json:",omitempty"`
	Assessment           string     `json:",omitempty"`
	ExtensionReason      string     `json:",omitempty"`
	ExtensionExplanation string     `json:",omitempty"`
	InformationPurpose   string     `json:",omitempty"`
	InformationWhat      string     `json:",omitempty"`
	PauseTimeoutDays     int        `json:",omitempty"`
	DueOn                time.Time  `json:",omitempty"`
	StatutoryDueOn       time.Time  `json:",omitempty"`
	ExtendedDueOn        *time.Time `json:",omitempty"`
	DeadlineOn           time.Time  `json:",omitempty"`
	// Step is what keeps failing, for an attention notice.
	Step string `json:",omitempty"`
	// Erased and Kept tell an erasure's reply what was done.
	Erased []string   `json:",omitempty"`
	Kept   []KeptFact `json:",omitempty"`
	// Datasets are the datasets a recipient notice (Art. 19) is about.
	Datasets []string `json:",omitempty"`
	// Stopped and Outside tell an objection's reply where processing
	// stopped, and what Art. 21 does not reach.
	Stopped []string `json:",omitempty"`
	Outside []string `json:",omitempty"`
}

// KeptFact is data an erasure kept, and why.
type KeptFact struct {
	What, Why string
}

// NoticeResult says what became of a notice.
type NoticeResult struct {
	// Status is sent, confirm, print, held, or recorded (no outbox).
	Status   string
	LetterID uuid.UUID
	Channel  string `json:",omitempty"`
}

// LetterID is a notice's stable message ID.
func LetterID(key string) uuid.UUID {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("rightsdesk/letter/"+key))
}

// MarkLetterInput records what a caseworker did with a letter.
type MarkLetterInput struct {
	LetterID uuid.UUID
	// Status is printed (posted on paper) or sent (the e-mail arrived).
	Status string
}

// RequestSnapshot is the read model's view of a request's state.
type RequestSnapshot struct {
	RequestID      uuid.UUID
	Stage          string
	Outcome        string
	DueOn          time.Time
	StatutoryDueOn time.Time
	ExtendedDueOn  *time.Time
	PausedAt       *time.Time
	Assignee       string
	Breached       bool
	Late           bool
	ClosedAt       *time.Time
	Version        int64
	// Attention names the step that keeps failing, if any.
	Attention      string     `json:",omitempty"`
	AttentionSince *time.Time `json:",omitempty"`
}

// TaskSnapshot is one task as the read model keeps it.
type TaskSnapshot struct {
	ID          uuid.UUID
	Kind        string
	Status      string
	Assignee    string
	DueOn       time.Time
	CreatedAt   time.Time
	CompletedAt *time.Time
	CompletedBy string
	LetterID    *uuid.UUID `json:",omitempty"`
}

// ProjectInput is a state change to write to the read model.
type ProjectInput struct {
	Request RequestSnapshot
	Tasks   []TaskSnapshot
	Events  []EventInput
}

// NoticeInput is a notice about a request: a reminder, an escalation, a
// breach, or a letter to the subject.
type NoticeInput struct {
	// Key identifies the notice: sending the same key twice sends once.
	Key       string
	RequestID uuid.UUID
	Kind      string
	// Recipient is a role ("dpo", "caseworkers", "subject") or "assignee:<id>".
	Recipient string
	DueAt     time.Time
	// Facts are what the letter tells that only the workflow knows.
	Facts *LetterFacts `json:",omitempty"`
}

// ForwardInput creates the controller's copy of a request a processor received.
type ForwardInput struct {
	From         uuid.UUID
	NewID        uuid.UUID
	ToController string
}

// PendingRequest is what starting a request's workflow needs, read from its
// row: IDs and facts, no personal data.
type PendingRequest struct {
	RequestID      uuid.UUID
	ControllerID   string
	Kind           string
	Channel        string
	ReceivedOn     time.Time
	IdentityMethod string
	IdentityBy     string
	Policy         policy.Policy
}

// ReportStoppedInput says which workflows ReportStopped looks at.
type ReportStoppedInput struct {
	// WorkflowType is the request workflow's registered name.
	WorkflowType string
	// Within is how far back to look for closed workflows.
	Within time.Duration
}

// ExpiredRows is what one dataset's retention rule erased in a run.
type ExpiredRows struct {
	Controller, System, Dataset string
	Rows, Held                  int64
}

// DestroyPackagesInput names an erasure and the datasets (system/dataset)
// it erased rows of.
type DestroyPackagesInput struct {
	RequestID uuid.UUID
	Datasets  []string
}

// DestroyedPackages are the references of the requests whose packages an
// erasure destroyed.
type DestroyedPackages struct {
	References []string
}
