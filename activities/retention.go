package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"gorm.io/gorm"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// DefaultRetainClosedDays is how long a closed request's personal data is
// kept when the controller says nothing (policy; LEGAL.md §5).
const DefaultRetainClosedDays = 365

// maxErasePerRun bounds one run; the next run takes the rest.
const maxErasePerRun = 500

// EraseExpired erases the personal data of people whose requests are all
// closed for longer than their controller's retention (Recital 64: nothing
// is kept only to answer future requests). The subject's data key and
// sealed data are destroyed (crypto-shredding: the request's details, its
// letters and packages become unreadable, and are removed too), its blind
// indexes deleted, and an audit entry written; the request rows stay, with
// no personal data, for the DPO's figures. A person with an open request
// anywhere at the controller (by any identifier) is kept. It returns how
// many subjects it erased.
func (a *Activities) EraseExpired(ctx context.Context, now time.Time) (int, error) {
	var ctrls []store.Controller
	if err := a.Store.DB.WithContext(ctx).Find(&ctrls).Error; err != nil {
		return 0, fmt.Errorf("retention: %w", err)
	}
	erased := 0
	for _, c := range ctrls {
		s, err := controllers.SettingsOf(c)
		if err != nil {
			return erased, err
		}
		days := s.RetainClosedDays
		if days <= 0 {
			days = DefaultRetainClosedDays
		}
		cutoff := now.AddDate(0, 0, -days)
		var ids []uuid.UUID
		// Subjects none of whose requests is open or closed within the
		// period, and who have no open request as the same person by any
		// identifier.
		err = a.Store.DB.WithContext(ctx).Raw(`
SELECT s.id FROM subjects s
WHERE s.controller_id = ? AND s.erased_at IS NULL
  AND EXISTS (SELECT 1 FROM requests r WHERE r.subject_id = s.id)
  AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.subject_id = s.id AND (r.closed_at IS NULL OR r.closed_at > ?))
  AND NOT EXISTS (
    SELECT 1 FROM subject_identifiers mine
    JOIN subject_identifiers other ON other.kind = mine.kind AND other.blind_index = mine.blind_index
    JOIN requests r ON r.subject_id = other.subject_id AND r.controller_id = s.controller_id
    WHERE mine.subject_id = s.id AND r.closed_at IS NULL)
ORDER BY s.id LIMIT ?`, c.ID, cutoff, maxErasePerRun).Scan(&ids).Error
		if err != nil {
			return erased, fmt.Errorf("retention: %w", err)
		}
		for _, id := range ids {
			if err := a.eraseSubject(ctx, id, now, days); err != nil {
				return erased, err
			}
			erased++
		}
	}
	return erased, nil
}

func (a *Activities) eraseSubject(ctx context.Context, id uuid.UUID, now time.Time, days int) error {
	return a.Store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&store.Subject{}).Where("id = ? AND erased_at IS NULL", id).
			Updates(map[string]any{"data_key": []byte{}, "pii": []byte{}, "erased_at": now.UTC()})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		if err := tx.Where("subject_id = ?", id).Delete(&store.SubjectIdentifier{}).Error; err != nil {
			return err
		}
		var reqs []uuid.UUID
		if err := tx.Model(&store.Request{}).Where("subject_id = ?", id).Pluck("id", &reqs).Error; err != nil {
			return err
		}
		if err := tx.Model(&store.Request{}).Where("subject_id = ?", id).
			Updates(map[string]any{"details": nil, "status_token_sealed": nil, "status_token_hash": nil}).Error; err != nil {
			return err
		}
		if err := tx.Model(&store.Letter{}).Where("request_id IN ?", reqs).Updates(map[string]any{"content": []byte{}, "pdf": nil}).Error; err != nil {
			return err
		}
		if err := tx.Where("request_id IN ?", reqs).Delete(&store.Package{}).Error; err != nil {
			return err
		}
		if err := tx.Model(&store.Note{}).Where("request_id IN ?", reqs).Update("text", nil).Error; err != nil {
			return err
		}
		for _, r := range reqs {
			if err := insertEvent(tx, rights.EventInput{Key: r.String() + "/retention/erased", RequestID: r, At: now, Actor: "system",
				Action: "subject.erased", Data: map[string]any{"retention_days": days}}); err != nil {
				return err
			}
		}
		return nil
	})
}

// ExpireSources carries out the retention rules of the data maps
// (`expire` on a postgres dataset, docs/DATAMAP.md) with no request: in
// each controller's own today, the rows whose rule column is more than
// the rule's days past are erased by the dataset's strategy, holds keeping
// theirs. Each dataset's run is ledgered in its source database under
// expire/<controller>/<dataset>/<day>, so a repeated run the same day
// touches nothing again; the ledger is the record of what was erased.
func (a *Activities) ExpireSources(ctx context.Context, now time.Time) ([]rights.ExpiredRows, error) {
	var ctrls []store.Controller
	if err := a.Store.DB.WithContext(ctx).Order("id").Find(&ctrls).Error; err != nil {
		return nil, fmt.Errorf("expire: %w", err)
	}
	var out []rights.ExpiredRows
	for _, c := range ctrls {
		s, err := controllers.SettingsOf(c)
		if err != nil {
			return out, err
		}
		loc, err := deadline.LoadLocation(c.TimeZone)
		if err != nil {
			return out, err
		}
		today := deadline.Today(now, loc)
		for _, sys := range s.Systems {
			if sys.Kind != "postgres" {
				continue
			}
			for _, ds := range sys.Datasets {
				if ds.Expire == nil {
					continue
				}
				if a.Systems == nil {
					return out, fmt.Errorf("expire: no systems configured for %s", sys.ID)
				}
				conn, err := a.Systems.postgres(ctx, sys.ID)
				if err != nil {
					return out, err
				}
				cutoff := today.AddDate(0, 0, -ds.Expire.AfterDays)
				key := fmt.Sprintf("expire/%s/%s/%s", c.ID, ds.ID, today.Format(time.DateOnly))
				r, err := conn.Expire(ctx, ds, cutoff, key)
				if err != nil {
					return out, err
				}
				out = append(out, rights.ExpiredRows{Controller: c.ID, System: sys.ID, Dataset: ds.ID, Rows: r.Rows, Held: r.Held})
				activity.GetLogger(ctx).Info("retention rule carried out", "controller", c.ID, "system", sys.ID, "dataset", ds.ID,
					"rows", r.Rows, "held", r.Held, "rule", ds.Expire.Reference)
			}
		}
	}
	return out, nil
}
