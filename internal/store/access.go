package store

import (
	"context"

	"github.com/google/uuid"
)

// LogAccess records a reading of a person's data. Callers log first and
// read after: no log, no data.
func (s *Store) LogAccess(ctx context.Context, a Access) error {
	return s.DB.WithContext(ctx).Create(&a).Error
}

// AccessLog reads who read a request's personal data, oldest first.
func (s *Store) AccessLog(ctx context.Context, requestID uuid.UUID) ([]Access, error) {
	var rows []Access
	err := s.DB.WithContext(ctx).Where("request_id = ?", requestID).Order("at, id").Find(&rows).Error
	return rows, err
}
