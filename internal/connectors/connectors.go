// Package connectors carries a decision out where the data lives: each
// kind of system in the data map (postgres, http, manual) behind one small
// interface. Every step reports the rows it touched; a field or dataset a
// connector cannot handle fails loudly, never silently in part.
package connectors

import (
	"context"
	"errors"
	"time"

	"github.com/rightsdesk/rightsdesk/internal/policy"
)

// Subject is the person a step is about, by the identifiers they gave,
// normalised (e-mail lower-cased, national IDs and phone as digits).
type Subject struct {
	Identifiers map[string]string
	// Key identifies the step (request, system, dataset, step). With it a
	// change is recorded in the system's ledger in its own transaction, and
	// a repeat (a worker killed after the commit) changes nothing and
	// returns the first result, rows touched included.
	Key string
}

// Result is what a step did in one dataset.
type Result struct {
	System  string
	Dataset string
	// Rows is how many rows the step touched (found, exported, erased,
	// flagged, corrected).
	Rows int64
	// Held is how many rows a hold kept from an erasure, and why.
	Held  int64
	Holds []policy.Hold `json:",omitempty"`
}

// Row is one exported record: column to value.
type Row map[string]any

// Connector reaches one system.
type Connector interface {
	// Find counts the subject's rows in a dataset.
	Find(ctx context.Context, ds policy.Dataset, s Subject) (Result, error)
	// Export streams the subject's rows to emit, one at a time.
	Export(ctx context.Context, ds policy.Dataset, s Subject, emit func(Row) error) (Result, error)
	// Erase erases the subject's rows the holds do not keep, by the
	// dataset's strategy, in one transaction.
	Erase(ctx context.Context, ds policy.Dataset, s Subject) (Result, error)
	// Restrict marks (on) or unmarks the subject's rows restricted.
	Restrict(ctx context.Context, ds policy.Dataset, s Subject, on bool) (Result, error)
	// Rectify sets columns the map allows to corrected values.
	Rectify(ctx context.Context, ds policy.Dataset, s Subject, values map[string]string) (Result, error)
}

// ErrUnsupported is a step a dataset cannot take as mapped (no restriction
// column, a field not allowed for rectification): it fails, loudly.
var ErrUnsupported = errors.New("connectors: not possible for this dataset as mapped")

// ErrNoIdentifier is a subject with none of the identifiers a dataset is
// keyed by: nothing can be found there, and that is said, not guessed.
var ErrNoIdentifier = errors.New("connectors: the subject gave none of the identifiers this dataset is keyed by")

// now is the clock holds are measured against; tests may set it.
var now = time.Now
