package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/policy"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// ErrTypeNotFound marks a non-retryable failure: the thing does not exist.
const ErrTypeNotFound = "NotFound"

// LoadPolicy returns the deadline policy of a controller.
func (a *Activities) LoadPolicy(ctx context.Context, controllerID string) (policy.Policy, error) {
	var row store.Controller
	err := a.Store.DB.WithContext(ctx).First(&row, "id = ?", controllerID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return policy.Policy{}, temporal.NewNonRetryableApplicationError("controller "+controllerID+" is not configured", ErrTypeNotFound, err)
	}
	if err != nil {
		return policy.Policy{}, fmt.Errorf("load policy: %w", err)
	}
	return controllers.PolicyOf(row)
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Project writes a request's state, its tasks and new audit events to the
// read model in one transaction. The request row only moves forward: a
// retried or late projection with an older version changes nothing.
func (a *Activities) Project(ctx context.Context, in rights.ProjectInput) error {
	r := in.Request
	seal, err := a.noteSealer(ctx, in)
	if err != nil {
		return err
	}
	return a.Store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&store.Request{}).
			Where("id = ? AND version < ?", r.RequestID, r.Version).
			Updates(map[string]any{
				"stage": r.Stage, "outcome": strPtr(r.Outcome), "due_on": r.DueOn, "statutory_due_on": r.StatutoryDueOn,
				"extended_due_on": r.ExtendedDueOn, "paused_at": r.PausedAt, "assignee": strPtr(r.Assignee),
				"breached": r.Breached, "late": r.Late, "closed_at": r.ClosedAt, "version": r.Version,
				"attention": strPtr(r.Attention), "attention_since": r.AttentionSince,
				"workflow_started": true, "updated_at": time.Now().UTC(),
			})
		if res.Error != nil {
			return fmt.Errorf("project request: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			var exists int64
			if err := tx.Model(&store.Request{}).Where("id = ?", r.RequestID).Count(&exists).Error; err != nil {
				return fmt.Errorf("project request: %w", err)
			}
			if exists == 0 {
				return temporal.NewNonRetryableApplicationError("request row "+r.RequestID.String()+" does not exist", ErrTypeNotFound, nil)
			}
			// A newer version is already there: this projection is stale,
			// but its events still belong in the log.
		} else {
			for _, t := range in.Tasks {
				row := store.Task{ID: t.ID, RequestID: r.RequestID, Kind: t.Kind, Status: t.Status, Assignee: strPtr(t.Assignee),
					DueOn: &t.DueOn, CreatedAt: t.CreatedAt, UpdatedAt: time.Now().UTC(), CompletedAt: t.CompletedAt, CompletedBy: strPtr(t.CompletedBy),
					LetterID: t.LetterID}
				err := tx.Clauses(clause.OnConflict{
					Columns:   []clause.Column{{Name: "id"}},
					DoUpdates: clause.AssignmentColumns([]string{"status", "assignee", "due_on", "updated_at", "completed_at", "completed_by"}),
				}).Create(&row).Error
				if err != nil {
					return fmt.Errorf("project task: %w", err)
				}
			}
		}
		for _, ev := range in.Events {
			if err := insertEvent(tx, ev); err != nil {
				return err
			}
			if ev.Note != nil {
				if err := insertNote(tx, ev, seal); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// noteSealer returns what seals the notes of a projection: the subject's
// data key, read before the projection's transaction so that it holds one
// connection only. It returns nil when there is nothing to seal with: no
// notes, a request without a subject, or a subject whose data is erased;
// such a note keeps its number, time and author only.
func (a *Activities) noteSealer(ctx context.Context, in rights.ProjectInput) (func(requestID uuid.UUID, seq int, text string) ([]byte, error), error) {
	notes := false
	for _, ev := range in.Events {
		notes = notes || ev.Note != nil
	}
	if !notes {
		return nil, nil
	}
	var req store.Request
	if err := a.Store.DB.WithContext(ctx).Select("id", "subject_id").Limit(1).Find(&req, "id = ?", in.Request.RequestID).Error; err != nil {
		return nil, fmt.Errorf("record note: %w", err)
	}
	if req.SubjectID == nil {
		return nil, nil
	}
	if a.Subjects == nil {
		return nil, errors.New("record note: no subject service to seal it with")
	}
	_, key, err := a.Subjects.OpenSubject(ctx, *req.SubjectID)
	switch {
	case errors.Is(err, intake.ErrErased):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("record note: %w", err)
	}
	return func(requestID uuid.UUID, seq int, text string) ([]byte, error) {
		return intake.SealNote(key, requestID, seq, text)
	}, nil
}

// insertNote keeps a note's text, sealed, once per request and number.
func insertNote(tx *gorm.DB, ev rights.EventInput, seal func(uuid.UUID, int, string) ([]byte, error)) error {
	row := store.Note{RequestID: ev.RequestID, Seq: ev.Note.Seq, At: ev.At.UTC(), Actor: ev.Actor}
	if seal != nil {
		var err error
		if row.Text, err = seal(ev.RequestID, ev.Note.Seq, ev.Note.Text); err != nil {
			return fmt.Errorf("record note: %w", err)
		}
	}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return fmt.Errorf("record note: %w", err)
	}
	return nil
}

func insertEvent(tx *gorm.DB, in rights.EventInput) error {
	// Empty facts (no assignee before, no forwarding) are left out.
	facts := map[string]any{}
	for k, v := range in.Data {
		if v == nil || v == "" || v == (*uuid.UUID)(nil) {
			continue
		}
		facts[k] = v
	}
	data, err := json.Marshal(facts)
	if err != nil {
		return fmt.Errorf("record event: %w", err)
	}
	ev := store.Event{EventKey: in.Key, RequestID: in.RequestID, At: in.At.UTC(), Actor: in.Actor, Action: in.Action, Data: data}
	err = tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "event_key"}}, DoNothing: true}).Create(&ev).Error
	if err != nil {
		return fmt.Errorf("record event: %w", err)
	}
	return nil
}

// SendNotice records a notice once per key and, with an outbox, makes it a
// letter and sends it once: by e-mail, to a mail gateway, or as a print
// task. Its result tells the workflow whether a caseworker must print it
// or confirm an e-mail whose outcome is unknown.
func (a *Activities) SendNotice(ctx context.Context, in rights.NoticeInput) (rights.NoticeResult, error) {
	n := store.Notice{ID: uuid.NewSHA1(uuid.NameSpaceURL, []byte("rightsdesk/notice/"+in.Key)), NoticeKey: in.Key, RequestID: in.RequestID,
		Kind: in.Kind, Recipient: in.Recipient, DueAt: in.DueAt.UTC(), SentAt: ptr(time.Now().UTC())}
	err := a.Store.DB.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "notice_key"}}, DoNothing: true}).Create(&n).Error
	if err != nil {
		return rights.NoticeResult{}, fmt.Errorf("send notice: %w", err)
	}
	if a.Outbox == nil {
		return rights.NoticeResult{Status: "recorded"}, nil
	}
	return a.Outbox.Send(ctx, in)
}

func ptr[T any](v T) *T { return &v }

// Forward creates the request row at the controller, keeping the subject,
// right, channel and first date of receipt. It is idempotent by NewID.
func (a *Activities) Forward(ctx context.Context, in rights.ForwardInput) (string, error) {
	var reference string
	err := a.Store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var existing store.Request
		if err := tx.First(&existing, "id = ?", in.NewID).Error; err == nil {
			reference = existing.Reference
			return nil
		} else if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		var from store.Request
		if err := tx.First(&from, "id = ?", in.From).Error; err != nil {
			return fmt.Errorf("forward: read %s: %w", in.From, err)
		}
		ref, err := store.NextReference(tx, from.ReceivedOn)
		if err != nil {
			return err
		}
		reference = ref
		to := store.Request{ID: in.NewID, Reference: ref, ControllerID: in.ToController, SubjectID: from.SubjectID, GroupID: from.GroupID,
			Kind: from.Kind, Channel: "forwarded", Language: from.Language, Stage: "received", ReceivedOn: from.ReceivedOn}
		return tx.Create(&to).Error
	})
	if err != nil {
		return "", fmt.Errorf("forward: %w", err)
	}
	return reference, nil
}
