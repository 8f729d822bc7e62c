// Package activities holds every Temporal activity of rightsdesk. Each is a
// method on Activities, which carries the dependencies; each is idempotent,
// so running it twice after a crash leaves the same result.
package activities

import (
	"context"

	"go.temporal.io/sdk/client"

	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// Activities holds what the activities need. Build it once in the worker.
type Activities struct {
	Store *store.Store
	// Temporal is the client the sweeper lists stopped workflows with.
	Temporal client.Client
	// Outbox makes notices letters and sends them; nil records them only.
	Outbox *Outbox
	// Subjects opens a subject's data (fulfilment finds them by it).
	Subjects *intake.Service
	// Systems reaches the systems of the data maps.
	Systems *Systems
	// AfterFulfil, when set, runs after a step changed a system and before
	// the activity returns: fault tests panic there, as a worker killed
	// at that moment would stop.
	AfterFulfil func(rights.FulfilStep)
}

// RecordEvent appends an entry to the audit log, once per Key.
func (a *Activities) RecordEvent(ctx context.Context, in rights.EventInput) error {
	return insertEvent(a.Store.DB.WithContext(ctx), in)
}
