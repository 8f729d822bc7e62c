package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/delivery"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/letters"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// DestroyPackages destroys every package of the erasure's person at the
// controller (found by every identifier the person gave) that holds rows
// of a dataset the erasure erased rows of, or whose datasets were not
// recorded: its sealed chunks and codes are deleted, and the row stays,
// marked destroyed, so a download answers 410 Gone. The timeline of each
// request whose package went says so. Run again, it destroys nothing more
// and reports the same packages.
func (a *Activities) DestroyPackages(ctx context.Context, in rights.DestroyPackagesInput) (rights.DestroyedPackages, error) {
	var out rights.DestroyedPackages
	if a.Subjects == nil || len(in.Datasets) == 0 {
		return out, nil
	}
	db := a.Store.DB.WithContext(ctx)
	var erasure store.Request
	if err := db.First(&erasure, "id = ?", in.RequestID).Error; err != nil {
		return out, fmt.Errorf("destroy packages: %w", err)
	}
	same, err := a.Subjects.SamePerson(ctx, erasure)
	if err != nil {
		return out, fmt.Errorf("destroy packages: %w", err)
	}
	ids := make([]uuid.UUID, 0, len(same))
	refs := map[uuid.UUID]string{}
	for _, r := range same {
		ids = append(ids, r.ID)
		refs[r.ID] = r.Reference
	}
	var pkgs []store.Package
	if err := db.Where("request_id IN ? AND (destroyed_at IS NULL OR destroyed_by = ?)", ids, erasure.ID).Find(&pkgs).Error; err != nil {
		return out, fmt.Errorf("destroy packages: %w", err)
	}
	for _, p := range pkgs {
		if p.Datasets != nil && !slices.ContainsFunc(p.Datasets, func(d string) bool { return slices.Contains(in.Datasets, d) }) {
			continue // it holds nothing the erasure erased
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := tx.Where("request_id = ?", p.RequestID).Delete(&store.PackageChunk{}).Error; err != nil {
				return err
			}
			if err := tx.Where("request_id = ?", p.RequestID).Delete(&store.PackageCode{}).Error; err != nil {
				return err
			}
			now := time.Now().UTC()
			if err := tx.Model(&store.Package{}).Where("request_id = ? AND destroyed_at IS NULL", p.RequestID).
				Updates(map[string]any{"complete": false, "chunks": 0, "size": 0, "destroyed_at": now, "destroyed_by": erasure.ID}).Error; err != nil {
				return err
			}
			return insertEvent(tx, rights.EventInput{Key: p.RequestID.String() + "/package/destroyed", RequestID: p.RequestID, At: now, Actor: "system",
				Action: "package.destroyed", Data: map[string]any{"by": erasure.Reference}})
		})
		if err != nil {
			return out, fmt.Errorf("destroy packages: %w", err)
		}
		out.References = append(out.References, refs[p.RequestID])
	}
	slices.Sort(out.References)
	return out, nil
}

// Channels a package's one-time code may go by.
const (
	CodeByDigitalPost   = "digital_post"
	CodeBySEDigitalMail = "se_digital_mail"
	CodeByEmail         = "email"
)

// CodeChannels are the channels a request's package code may go by, best
// first: a national digital mailbox (Digital Post, Swedish digital mail)
// the controller sends by and the person's national ID reaches, then the
// e-mail address of the request, whose sender's identity was verified
// before the decision. A channel the status link went by (the letters of
// the request's group, and also) is left out: a code there would be no
// second factor.
func (o *Outbox) CodeChannels(ctx context.Context, req store.Request, also ...string) ([]string, error) {
	if req.SubjectID == nil {
		return nil, nil
	}
	subj, _, err := o.Subjects.OpenSubject(ctx, *req.SubjectID)
	if errors.Is(err, intake.ErrErased) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("outbox: subject: %w", err)
	}
	s, err := o.settingsOf(ctx, req.ID)
	if err != nil {
		return nil, err
	}
	group := o.Store.DB.WithContext(ctx).Model(&store.Request{}).Select("id").Where("id = ?", req.ID)
	if req.GroupID != nil {
		group = o.Store.DB.WithContext(ctx).Model(&store.Request{}).Select("id").Where("group_id = ?", *req.GroupID)
	}
	var used []string
	if err := o.Store.DB.WithContext(ctx).Model(&store.Letter{}).Distinct("channel").
		Where("audience = 'subject' AND request_id IN (?)", group).Pluck("channel", &used).Error; err != nil {
		return nil, fmt.Errorf("outbox: letters: %w", err)
	}
	used = append(used, also...)
	var out []string
	add := func(ch string, ok bool) {
		if ok && !slices.Contains(used, ch) {
			out = append(out, ch)
		}
	}
	add(CodeByDigitalPost, s.Delivery.DigitalPost != nil && s.Country == "DK" && subj.NationalIDKind == "cpr" && o.Webhook != nil)
	add(CodeBySEDigitalMail, s.Delivery.SEDigitalMail != nil && s.Country == "SE" &&
		(subj.NationalIDKind == "personnummer" || subj.NationalIDKind == "samordningsnummer") && o.Webhook != nil)
	add(CodeByEmail, subj.Email != "" && o.SMTP != nil)
	return out, nil
}

// SendPackageCode sends the person a one-time code for their package by the
// first of channels that takes it (a person exempt from Digital Post is
// passed over), and returns the channel. The letter is rendered in the
// request's language and sent at once; nothing of it is kept, so the code
// exists only in the person's mailbox and, hashed, in package_codes.
func (o *Outbox) SendPackageCode(ctx context.Context, req store.Request, channels []string, code string, valid time.Duration) (string, error) {
	if req.SubjectID == nil || len(channels) == 0 {
		return "", rights.ErrNoCodeChannel
	}
	subj, key, err := o.Subjects.OpenSubject(ctx, *req.SubjectID)
	if err != nil {
		return "", fmt.Errorf("outbox: subject: %w", err)
	}
	b, err := o.base(ctx, req, subj)
	if err != nil {
		return "", err
	}
	d := b.data
	d.Code = &letters.Code{Value: code, Minutes: int(valid / time.Minute)}
	l, err := b.renderer.Render(letters.PackageCode, d)
	if err != nil {
		return "", err
	}
	pdf, err := l.PDF(b.crow.Name)
	if err != nil {
		return "", err
	}
	from := o.MailFrom
	if b.settings.Delivery.EmailFrom != "" {
		from = b.settings.Delivery.EmailFrom
	}
	for _, ch := range channels {
		row := store.Letter{ID: uuid.New(), RequestID: req.ID, Kind: string(letters.PackageCode), Audience: "subject", Channel: ch,
			Language: d.Language, CreatedAt: time.Now().UTC()}
		c := letterContent{From: from, Name: subj.Name, Address: subj.Address, Reference: req.Reference, Subject: l.Subject, Text: l.Text, HTML: l.HTML}
		if ch == CodeByEmail {
			c.To = subj.Email
		} else {
			c.To = subj.NationalID
		}
		plain, err := json.Marshal(c)
		if err != nil {
			return "", err
		}
		if row.Content, err = crypto.Seal(key, plain, row.ID[:]); err != nil {
			return "", err
		}
		if row.PDF, err = crypto.Seal(key, pdf, append(row.ID[:], 'p')); err != nil {
			return "", err
		}
		err = o.deliver(ctx, row, key)
		if errors.Is(err, delivery.ErrRecipientExempt) {
			continue
		}
		if err != nil {
			return "", err
		}
		return ch, nil
	}
	return "", rights.ErrNoCodeChannel
}
