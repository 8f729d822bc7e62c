package cases

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// fakeStore is a Storer that knows one request and records the
// idempotency keys bound; every other method panics (nil interface).
type fakeStore struct {
	Storer
	request store.Request
	bound   []store.ActionKey
	first   *store.ActionKey
}

func (f *fakeStore) VisibleRequest(_ context.Context, id uuid.UUID, controllers []string) (*store.Request, error) {
	if id != f.request.ID || (len(controllers) > 0 && controllers[0] != f.request.ControllerID) {
		return nil, nil
	}
	r := f.request
	return &r, nil
}

func (f *fakeStore) BindActionKey(_ context.Context, row store.ActionKey) (store.ActionKey, error) {
	f.bound = append(f.bound, row)
	if f.first != nil {
		return *f.first, nil
	}
	return row, nil
}

// noTemporal fails the test if anything reaches the workflow.
type noTemporal struct {
	client.Client
	t *testing.T
}

func (n noTemporal) UpdateWorkflow(context.Context, client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	n.t.Fatal("an Update was sent")
	return nil, nil
}

func newFaked(t *testing.T) (*Service, *fakeStore) {
	f := &fakeStore{request: store.Request{ID: uuid.New(), ControllerID: "demo", Kind: "access"}}
	s := New(Deps{Keys: crypto.InsecureTestKeyring(), Temporal: noTemporal{t: t}})
	s.store = f
	return s, f
}

// TestActOrdersTheRules holds the service's order of an action's rules:
// visibility by controller, then the command's validation, then the
// idempotency key, and only then the workflow's Update. Each step that
// refuses stops the ones after it.
func TestActOrdersTheRules(t *testing.T) {
	ctx := context.Background()
	caseworker := &Principal{Actor: "token:cw1", Roles: []string{"caseworker"}, Controllers: []string{"demo"}}
	stranger := &Principal{Actor: "token:cwo", Roles: []string{"caseworker"}, Controllers: []string{"other"}}
	bad := &InformationReceived{ReceivedAt: "2026-02-30"}

	s, f := newFaked(t)
	_, err := s.Act(ctx, stranger, f.request.ID, "k1", bad)
	var missing *NotFoundError
	require.True(t, errors.As(err, &missing), "another controller's request is not found, before its body is looked at: %v", err)

	_, err = s.Act(ctx, caseworker, f.request.ID, "k1", bad)
	var fields FieldErrors
	require.True(t, errors.As(err, &fields), "%v", err)
	require.Equal(t, "/received_at", fields[0].Pointer)
	require.Empty(t, f.bound, "an invalid action binds no idempotency key")

	long := make([]byte, MaxIdempotencyKey+1)
	for i := range long {
		long[i] = 'k'
	}
	_, err = s.Act(ctx, caseworker, f.request.ID, string(long), &AddNote{Text: "x"})
	var malformed *MalformedError
	require.True(t, errors.As(err, &malformed), "%v", err)

	f.first = &store.ActionKey{Action: "another", RequestID: f.request.ID}
	_, err = s.Act(ctx, caseworker, f.request.ID, "k1", &AddNote{Text: "x"})
	var conflict *ConflictError
	require.True(t, errors.As(err, &conflict), "%v", err)
	require.Equal(t, KeyReused, conflict.Reason)
	require.Len(t, f.bound, 1, "the key was bound once; no Update was sent (noTemporal)")
}
