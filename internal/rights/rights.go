// Package rights is the rights-request workflow's contract, pure: the
// rights, the rules a request breaks, the grounds of a refusal, workflow
// IDs, purpose matching, the fulfilment plan, and the inputs and outputs
// of the activities the workflow calls by name. The workflow, the
// activities, the case service, the API and the pages import it; it
// imports nothing that does I/O, so the workflow links no database, mail
// or PDF library through it.
package rights

import (
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// WorkflowID is the ID of a request's workflow: request/<uuid>. It carries
// nothing but the request's opaque ID.
func WorkflowID(requestID uuid.UUID) string { return "request/" + requestID.String() }

// ParseWorkflowID returns the request ID of a workflow ID made by WorkflowID.
func ParseWorkflowID(id string) (uuid.UUID, error) {
	rest, ok := strings.CutPrefix(id, "request/")
	if !ok {
		return uuid.Nil, fmt.Errorf("rights: %q is not a request workflow ID", id)
	}
	return uuid.Parse(rest)
}

// Kind is the right a request invokes.
type Kind string

// The rights (LEGAL.md §1).
const (
	KindAccess            Kind = "access"
	KindRectification     Kind = "rectification"
	KindErasure           Kind = "erasure"
	KindRestriction       Kind = "restriction"
	KindPortability       Kind = "portability"
	KindObjection         Kind = "objection"
	KindConsentWithdrawal Kind = "consent_withdrawal"
)

// Kinds lists every right.
var Kinds = []Kind{KindAccess, KindRectification, KindErasure, KindRestriction, KindPortability, KindObjection, KindConsentWithdrawal}

// Valid reports whether k is a known right.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}
