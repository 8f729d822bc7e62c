package store

import (
	"context"

	"github.com/google/uuid"
)

// Events reads a request's audit timeline, oldest first.
func (s *Store) Events(ctx context.Context, requestID uuid.UUID) ([]Event, error) {
	var rows []Event
	err := s.DB.WithContext(ctx).Where("request_id = ?", requestID).Order("at, id").Find(&rows).Error
	return rows, err
}
