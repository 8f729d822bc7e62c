package store

import (
	"context"

	"gorm.io/gorm/clause"
)

// BindActionKey keeps the first use of an actor's idempotency key and
// returns it: the row given when the key is new, the earlier one when not.
func (s *Store) BindActionKey(ctx context.Context, row ActionKey) (ActionKey, error) {
	db := s.DB.WithContext(ctx)
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return ActionKey{}, err
	}
	var first ActionKey
	err := db.First(&first, "actor = ? AND key = ?", row.Actor, row.Key).Error
	return first, err
}
