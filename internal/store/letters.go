package store

import (
	"context"

	"github.com/google/uuid"
)

// Letters reads a request's letters and notices without their content,
// oldest first.
func (s *Store) Letters(ctx context.Context, requestID uuid.UUID) ([]Letter, error) {
	var rows []Letter
	err := s.DB.WithContext(ctx).
		Select("id, kind, audience, channel, language, status, attempts, last_error, created_at, sent_at").
		Where("request_id = ?", requestID).Order("created_at, id").Find(&rows).Error
	return rows, err
}

// LetterOf reads one letter of a request, with its sealed PDF; nil when
// there is none.
func (s *Store) LetterOf(ctx context.Context, requestID, id uuid.UUID) (*Letter, error) {
	var l Letter
	if err := s.DB.WithContext(ctx).Limit(1).Find(&l, "id = ? AND request_id = ?", id, requestID).Error; err != nil || l.ID == uuid.Nil {
		return nil, err
	}
	return &l, nil
}
