// Package store is the read model, the subjects' encrypted personal data and
// the audit log in PostgreSQL, through GORM. The schema belongs to the
// migrations package: GORM never migrates anything.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// ErrNotFound is a read of one row that found none: GORM's own error, named
// here so that callers need not import GORM to recognise it.
var ErrNotFound = gorm.ErrRecordNotFound

// Store wraps the database handle.
type Store struct {
	DB *gorm.DB
}

// Open connects to PostgreSQL at dsn.
func Open(ctx context.Context, dsn string, maxConns int) (*Store, error) {
	db, err := gorm.Open(postgres.Open(dsn), &gorm.Config{
		// GORM's own logger prints SQL with its arguments, which may be
		// personal data; errors reach our logs through the callers instead.
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		TranslateError:         true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if maxConns > 0 {
		sqlDB.SetMaxOpenConns(maxConns)
		sqlDB.SetMaxIdleConns(maxConns)
	}
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	return &Store{DB: db}, nil
}

// SQL returns the underlying database/sql handle.
func (s *Store) SQL() *sql.DB {
	db, _ := s.DB.DB()
	return db
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.SQL().PingContext(ctx)
}

// Close closes the connection pool.
func (s *Store) Close() error {
	return s.SQL().Close()
}

// NextReference returns a new human-readable request reference, RD-<year>-<n>.
func NextReference(tx *gorm.DB, received time.Time) (string, error) {
	var n int64
	if err := tx.Raw("SELECT nextval('request_reference_seq')").Scan(&n).Error; err != nil {
		return "", fmt.Errorf("store: next reference: %w", err)
	}
	return fmt.Sprintf("RD-%d-%06d", received.Year(), n), nil
}
