package intake

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// noteAAD binds a sealed note to its request and number: a sealed text
// copied to another row does not open.
func noteAAD(requestID uuid.UUID, seq int) []byte {
	return fmt.Appendf(append([]byte(nil), requestID[:]...), "/note/%d", seq)
}

// SealNote seals the text of a request's note number seq with the data key
// of the request's subject.
func SealNote(key []byte, requestID uuid.UUID, seq int, text string) ([]byte, error) {
	return crypto.Seal(key, []byte(text), noteAAD(requestID, seq))
}

// Note is a caseworker's note as staff read it.
type Note struct {
	Seq   int
	At    time.Time
	Actor string
	// Text is nil when it is no longer kept (the person's data erased).
	Text *string
}

// OpenNotes returns a request's notes, oldest first, their texts opened
// with the subject's data key. Once the subject's data is erased the notes
// are listed without their texts.
func (s *Service) OpenNotes(ctx context.Context, r store.Request) ([]Note, error) {
	var rows []store.Note
	if err := s.Store.DB.WithContext(ctx).Where("request_id = ?", r.ID).Order("seq").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Note, 0, len(rows))
	var key []byte
	erased := false
	for _, row := range rows {
		n := Note{Seq: row.Seq, At: row.At, Actor: row.Actor}
		if key == nil && !erased && len(row.Text) > 0 && r.SubjectID != nil {
			_, k, err := s.subject(ctx, *r.SubjectID)
			switch {
			case errors.Is(err, ErrErased):
				erased = true
			case err != nil:
				return nil, err
			default:
				key = k
			}
		}
		if key != nil && len(row.Text) > 0 {
			plain, err := crypto.Open(key, row.Text, noteAAD(r.ID, row.Seq))
			if err != nil {
				return nil, fmt.Errorf("intake: open note %d: %w", row.Seq, err)
			}
			text := string(plain)
			n.Text = &text
		}
		out = append(out, n)
	}
	return out, nil
}
