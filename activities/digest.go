package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/delivery"
	"github.com/rightsdesk/rightsdesk/internal/letters"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// DigestSoonDays is how near `due` a request must be to be in the digest.
const DigestSoonDays = 2

// maxDigestItems bounds one digest.
const maxDigestItems = 200

// SendDigests sends each controller whose notice hour it is, in its own
// time zone, the day's digest of breached and soon-due requests: to the
// caseworker mailbox and the DPO. Each goes once a day; a controller with
// nothing to report gets none. It returns how many it sent.
func (a *Activities) SendDigests(ctx context.Context, now time.Time) (int, error) {
	if a.Outbox == nil || a.Outbox.SMTP == nil {
		return 0, nil
	}
	var ctrls []store.Controller
	if err := a.Store.DB.WithContext(ctx).Where("role = 'controller'").Order("id").Find(&ctrls).Error; err != nil {
		return 0, fmt.Errorf("digests: %w", err)
	}
	sent := 0
	for _, c := range ctrls {
		n, err := a.digestOf(ctx, c, now)
		if err != nil {
			return sent, err
		}
		sent += n
	}
	return sent, nil
}

func (a *Activities) digestOf(ctx context.Context, c store.Controller, now time.Time) (int, error) {
	pol, err := controllers.PolicyOf(c)
	if err != nil {
		return 0, err
	}
	loc, err := deadline.LoadLocation(c.TimeZone)
	if err != nil {
		return 0, err
	}
	local := now.In(loc)
	if local.Hour() != pol.Deadlines.NoticeHour {
		return 0, nil
	}
	today := deadline.Today(now, loc)
	var rows []store.Request
	err = a.Store.DB.WithContext(ctx).
		Where("controller_id = ? AND closed_at IS NULL AND stage NOT IN ('closed', 'withdrawn', 'forwarded') AND paused_at IS NULL", c.ID).
		Where("breached OR due_on <= ?", deadline.AddDays(today, DigestSoonDays)).
		Order("due_on, id").Limit(maxDigestItems).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	s, err := controllers.SettingsOf(c)
	if err != nil {
		return 0, err
	}
	base := strings.TrimRight(a.Outbox.PublicURL, "/")
	items := make([]letters.DigestItem, 0, len(rows))
	for _, r := range rows {
		it := letters.DigestItem{Reference: r.Reference, Kind: r.Kind, Breached: r.Breached, Link: base + "/v1/requests/" + r.ID.String()}
		if r.DueOn != nil {
			it.DueOn = *r.DueOn
		}
		items = append(items, it)
	}
	l, err := a.Outbox.Renderer.Render(letters.NoticeDigest, letters.Data{Language: c.Language, Today: today,
		Controller: letters.Controller{Name: c.Name, Country: c.Country}, Notice: &letters.Notice{Items: items}})
	if err != nil {
		return 0, err
	}
	recipients := []string{s.CaseworkerMailbox}
	if s.DPO.Email != "" && s.DPO.Email != s.CaseworkerMailbox {
		recipients = append(recipients, s.DPO.Email)
	}
	from := a.Outbox.MailFrom
	if s.Delivery.EmailFrom != "" {
		from = s.Delivery.EmailFrom
	}
	sent := 0
	for _, to := range recipients {
		if to == "" {
			continue
		}
		key := "digest/" + c.ID + "/" + today.Format(time.DateOnly) + "/" + to
		ok, err := a.sendDigest(ctx, store.Digest{ID: uuid.NewSHA1(uuid.NameSpaceURL, []byte("rightsdesk/"+key)), DigestKey: key, ControllerID: c.ID,
			Recipient: to, SubjectLine: l.Subject, BodyText: l.Text, BodyHTML: l.HTML, Status: rights.LetterPending}, from)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// sendDigest sends a digest once: a row first, then the send keyed by it.
// One found mid-send after a crash is not sent again.
func (a *Activities) sendDigest(ctx context.Context, d store.Digest, from string) (bool, error) {
	db := a.Store.DB.WithContext(ctx)
	if err := db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "digest_key"}}, DoNothing: true}).Create(&d).Error; err != nil {
		return false, fmt.Errorf("digest: %w", err)
	}
	var row store.Digest
	if err := db.First(&row, "digest_key = ?", d.DigestKey).Error; err != nil {
		return false, fmt.Errorf("digest: %w", err)
	}
	switch row.Status {
	case rights.LetterSent, "unknown":
		return false, nil
	case rights.LetterSending:
		return false, db.Model(&store.Digest{}).Where("id = ?", row.ID).Update("status", "unknown").Error
	}
	if err := db.Model(&store.Digest{}).Where("id = ?", row.ID).
		Updates(map[string]any{"status": rights.LetterSending, "attempts": gorm.Expr("attempts + 1")}).Error; err != nil {
		return false, err
	}
	err := a.Outbox.SMTP.Send(ctx, delivery.Email{MessageID: row.ID.String() + "@rightsdesk", From: from, To: row.Recipient,
		Subject: row.SubjectLine, Text: row.BodyText, HTML: row.BodyHTML})
	if err != nil {
		msg := err.Error()
		status := rights.LetterPending
		if strings.Contains(msg, delivery.ErrAmbiguous.Error()) {
			status = "unknown"
		}
		_ = db.Model(&store.Digest{}).Where("id = ?", row.ID).Updates(map[string]any{"status": status, "last_error": msg}).Error
		return false, err
	}
	return true, db.Model(&store.Digest{}).Where("id = ?", row.ID).Updates(map[string]any{"status": rights.LetterSent, "sent_at": time.Now().UTC()}).Error
}
