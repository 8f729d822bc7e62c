package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// UpsertStaff writes a staff member of the directory, replacing what a
// sign-in tells of them.
func (s *Store) UpsertStaff(ctx context.Context, row Staff) error {
	row.UpdatedAt = time.Now().UTC()
	return s.DB.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"display_name", "email", "language", "controllers", "roles", "source", "updated_at"}),
	}).Create(&row).Error
}

// StaffByID reads a staff member; nil when there is none.
func (s *Store) StaffByID(ctx context.Context, id string) (*Staff, error) {
	var row Staff
	if err := s.DB.WithContext(ctx).Limit(1).Find(&row, "id = ?", id).Error; err != nil || row.ID == "" {
		return nil, err
	}
	return &row, nil
}

// ListStaff reads the directory by ID, at most limit rows.
func (s *Store) ListStaff(ctx context.Context, limit int) ([]Staff, error) {
	var rows []Staff
	err := s.DB.WithContext(ctx).Order("id").Limit(limit).Find(&rows).Error
	return rows, err
}
