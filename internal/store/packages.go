package store

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/rightsdesk/rightsdesk/internal/policy"
)

// ChunkAAD binds a sealed piece of a package to its package and place: the
// activity that seals the pieces and the service that opens them both use it.
func ChunkAAD(id uuid.UUID, seq int) []byte {
	return binary.BigEndian.AppendUint32(append(id[:0:0], id[:]...), uint32(seq))
}

// PackageChunk reads one sealed piece of a request's package.
func (s *Store) PackageChunk(ctx context.Context, requestID uuid.UUID, seq int) (PackageChunk, error) {
	var c PackageChunk
	err := s.DB.WithContext(ctx).First(&c, "request_id = ? AND seq = ?", requestID, seq).Error
	return c, err
}

// NeedsCode reports whether a package is released only with a one-time
// code beside the status link: it holds special categories of data, or
// the controller's package_code is always.
func NeedsCode(p Package, s policy.Settings) bool {
	return p.Special || s.PackageCode == policy.PackageCodeAlways
}

// PackageOf reads a request's package, whatever its state; its zero value
// when there is none.
func (s *Store) PackageOf(ctx context.Context, requestID uuid.UUID) (Package, error) {
	var p Package
	err := s.DB.WithContext(ctx).Limit(1).Find(&p, "request_id = ?", requestID).Error
	return p, err
}

// ReadyPackage reads a request's complete, unexpired package; Complete is
// false when there is none.
func (s *Store) ReadyPackage(ctx context.Context, requestID uuid.UUID) (Package, error) {
	var p Package
	err := s.DB.WithContext(ctx).Limit(1).Find(&p, "request_id = ? AND complete AND expires_at > now()", requestID).Error
	return p, err
}

// DestroyedPackages counts the packages of some requests an erasure destroyed.
func (s *Store) DestroyedPackages(ctx context.Context, requestIDs []uuid.UUID) (int64, error) {
	var n int64
	err := s.DB.WithContext(ctx).Model(&Package{}).Where("request_id IN ? AND destroyed_at IS NOT NULL", requestIDs).Count(&n).Error
	return n, err
}

// LastPackageCode reads the code last made for a request's package; its
// zero value when there is none.
func (s *Store) LastPackageCode(ctx context.Context, requestID uuid.UUID) (PackageCode, error) {
	var last PackageCode
	err := s.DB.WithContext(ctx).Where("request_id = ?", requestID).Order("created_at DESC").Limit(1).Find(&last).Error
	return last, err
}

// CodeTx is what a package-code transaction may do while the package's
// row is locked.
type CodeTx struct{ tx *gorm.DB }

// Create stores a new code.
func (c CodeTx) Create(row PackageCode) error { return c.tx.Create(&row).Error }

// Fail counts a wrong try of a code.
func (c CodeTx) Fail(id uuid.UUID) error {
	return c.tx.Model(&PackageCode{}).Where("id = ?", id).Update("failures", gorm.Expr("failures + 1")).Error
}

// Use uses a code up.
func (c CodeTx) Use(id uuid.UUID, at time.Time) error {
	return c.tx.Model(&PackageCode{}).Where("id = ?", id).Update("used_at", at).Error
}

// WithPackageLocked runs fn in a transaction that holds a request's
// package row locked, with the package's codes made since a time (oldest
// first): codes sent or tried at once are counted one after the other. fn
// returning an error rolls the transaction back.
func (s *Store) WithPackageLocked(ctx context.Context, requestID uuid.UUID, since time.Time, fn func(tx CodeTx, recent []PackageCode) error) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var p Package
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Select("request_id").First(&p, "request_id = ?", requestID).Error; err != nil {
			return err
		}
		var recent []PackageCode
		if err := tx.Where("request_id = ? AND created_at > ?", requestID, since).Order("created_at").Find(&recent).Error; err != nil {
			return err
		}
		return fn(CodeTx{tx}, recent)
	})
}

// VoidPackageCode makes a code unusable (one that could not be sent).
func (s *Store) VoidPackageCode(ctx context.Context, id uuid.UUID) error {
	return s.DB.WithContext(ctx).Model(&PackageCode{}).Where("id = ?", id).Update("expires_at", gorm.Expr("created_at")).Error
}

// SetPackageCodeChannel records the channel a code went by.
func (s *Store) SetPackageCodeChannel(ctx context.Context, id uuid.UUID, channel string) error {
	return s.DB.WithContext(ctx).Model(&PackageCode{}).Where("id = ?", id).Update("channel", channel).Error
}
