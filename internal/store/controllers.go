package store

import "context"

// ControllerByID reads a controller; nil when there is none.
func (s *Store) ControllerByID(ctx context.Context, id string) (*Controller, error) {
	if id == "" {
		return nil, nil
	}
	var row Controller
	if err := s.DB.WithContext(ctx).Limit(1).Find(&row, "id = ?", id).Error; err != nil || row.ID == "" {
		return nil, err
	}
	return &row, nil
}

// Controllers reads the controllers, of some IDs (all when empty), by ID.
func (s *Store) Controllers(ctx context.Context, ids []string) ([]Controller, error) {
	var rows []Controller
	err := inControllers(s.DB.WithContext(ctx), ids, "id").Order("id").Find(&rows).Error
	return rows, err
}
