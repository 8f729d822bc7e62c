package store

import (
	"context"
	"time"
)

// StartSession stores a new session, clearing expired ones and the one it
// replaces (by its hash; nil for none).
func (s *Store) StartSession(ctx context.Context, row StaffSession, replaces []byte) error {
	db := s.DB.WithContext(ctx)
	if err := db.Where("expires_at < now()").Delete(&StaffSession{}).Error; err != nil {
		return err
	}
	if replaces != nil {
		if err := db.Delete(&StaffSession{}, "id_hash = ?", replaces).Error; err != nil {
			return err
		}
	}
	return db.Create(&row).Error
}

// LiveSession reads an unexpired session seen since a time; nil when there
// is none.
func (s *Store) LiveSession(ctx context.Context, hash []byte, seenSince time.Time) (*StaffSession, error) {
	var row StaffSession
	err := s.DB.WithContext(ctx).Limit(1).Find(&row, "id_hash = ? AND expires_at > now() AND seen_at > ?", hash, seenSince).Error
	if err != nil || row.Actor == "" {
		return nil, err
	}
	return &row, nil
}

// SeeSession records that a session was seen now.
func (s *Store) SeeSession(ctx context.Context, hash []byte, now time.Time) error {
	return s.DB.WithContext(ctx).Model(&StaffSession{}).Where("id_hash = ?", hash).Update("seen_at", now).Error
}

// EndSession deletes a session.
func (s *Store) EndSession(ctx context.Context, hash []byte) error {
	return s.DB.WithContext(ctx).Delete(&StaffSession{}, "id_hash = ?", hash).Error
}
