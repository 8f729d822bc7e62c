package cases

import (
	"fmt"
	"time"

	"github.com/rightsdesk/rightsdesk/internal/rights"
)

// RuleError is an action the law or the request's state forbids: nothing
// was changed. Conflict is set when the request's state (not the action's
// content) refuses it: another decision came first, the case is closed.
type RuleError struct {
	Rule   rights.Rule
	Detail string
	// Conflict says the state refused it (HTTP 409), not the content (422).
	Conflict bool
	// BlockedBy are the requests that stop the action, when there are.
	BlockedBy []Blocking
	// RetryAfter is when it may be tried again, for limits.
	RetryAfter time.Duration
}

func (e *RuleError) Error() string { return string(e.Rule) + ": " + e.Detail }

// Blocking is a request that stops an action, such as another open
// request of the person whose data an erasure would delete.
type Blocking struct {
	ID        string `json:"id"`
	Reference string `json:"reference"`
	Kind      string `json:"kind"`
	Stage     string `json:"stage"`
}

// FieldError is one field at fault, named by JSON pointer (RFC 6901) into
// the command: the JSON body's field, the form's field of the same name.
type FieldError struct {
	Pointer string `json:"pointer"`
	Detail  string `json:"detail"`
	// Code names the problem for the pages' words ("characters"); empty
	// means the field's general one.
	Code string `json:"-"`
}

// FieldErrors are the fields at fault of a command: nothing was written.
type FieldErrors []FieldError

func (f FieldErrors) Error() string {
	return fmt.Sprintf("the request has %d invalid field(s); nothing was written", len(f))
}

// Add records a field at fault.
func (f *FieldErrors) Add(pointer, format string, args ...any) {
	*f = append(*f, FieldError{Pointer: pointer, Detail: fmt.Sprintf(format, args...)})
}

// Err is nil without fields at fault, else the FieldErrors.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return f
}

// NotFoundError is something that does not exist, or that the caller may
// not see (another controller's request is not found: its existence is not
// revealed).
type NotFoundError struct{ Detail string }

func (e *NotFoundError) Error() string { return "not found: " + e.Detail }

// UnavailableError is a database, workflow service or channel that does
// not answer: nothing was changed (or, when Detail says so, perhaps was).
type UnavailableError struct {
	Detail     string
	RetryAfter time.Duration
}

func (e *UnavailableError) Error() string { return "unavailable: " + e.Detail }

// Conflict reasons that are not rules.
type ConflictReason string

// The conflicts.
const (
	// KeyReused is an idempotency key sent again with another action,
	// request or body.
	KeyReused ConflictReason = "idempotency-key-reused"
	// NothingToDo is an action that applies to nothing (no information is
	// awaited, the package needs no code).
	NothingToDo ConflictReason = "nothing-to-do"
)

// ConflictError is a command that cannot apply as things stand.
type ConflictError struct {
	Reason ConflictReason
	Detail string
}

func (e *ConflictError) Error() string { return string(e.Reason) + ": " + e.Detail }

// ForbiddenError is a caller who lacks the role for a command.
type ForbiddenError struct{ Detail string }

func (e *ForbiddenError) Error() string { return "forbidden: " + e.Detail }

// MalformedError is input the service cannot read at all (an idempotency
// key longer than the limit).
type MalformedError struct{ Detail string }

func (e *MalformedError) Error() string { return "malformed: " + e.Detail }

func notFound(detail string) error { return &NotFoundError{Detail: detail} }
