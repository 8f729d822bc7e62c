package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/delivery"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/letters"
	"github.com/rightsdesk/rightsdesk/internal/policy"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// ErrTypeNoLetter is a notice no letter can be made of: no retry mends it.
const ErrTypeNoLetter = "NoLetter"

// Outbox composes letters and notices, keeps each as a row before it is
// sent, and sends it once: a row first, then the send, keyed by the row.
type Outbox struct {
	Store    *store.Store
	Subjects *intake.Service
	Renderer letters.Renderer
	// SMTP sends e-mail; nil holds e-mail letters in the outbox.
	SMTP     *delivery.SMTP
	MailFrom string
	// Webhook signs calls to the Digital Post and digital-mail gateways.
	Webhook *delivery.Webhook
	// PublicURL makes links for staff notices.
	PublicURL string
	// AfterSend, when set, runs after a message left and before it is
	// recorded as sent. Fault tests panic there, as a worker killed at
	// that moment would stop.
	AfterSend func(letterID uuid.UUID)
}

// letterContent is a letter's sealed content.
type letterContent struct {
	From    string `json:"from,omitempty"`
	To      string `json:"to"`
	Name    string `json:"name,omitempty"`
	Address string `json:"address,omitempty"`
	// Reference is the request's, the case ID a gateway passes on.
	Reference string `json:"reference"`
	Subject   string `json:"subject"`
	Text      string `json:"text"`
	HTML      string `json:"html"`
}

// Send composes the notice's letter (once), then sends it (once).
func (o *Outbox) Send(ctx context.Context, in rights.NoticeInput) (rights.NoticeResult, error) {
	row, key, err := o.prepare(ctx, in)
	if err != nil {
		return rights.NoticeResult{}, err
	}
	res := rights.NoticeResult{LetterID: row.ID, Channel: row.Channel, Status: row.Status}
	switch row.Status {
	case rights.LetterSent, rights.LetterPrinted, rights.LetterConfirm, rights.LetterPrint:
		return res, nil
	case rights.LetterSending:
		if row.Channel == "email" {
			// It may have gone: never resent blindly. A caseworker checks
			// the mailbox for its Message-ID.
			if err := o.mark(ctx, row.ID, rights.LetterSending, rights.LetterConfirm, nil); err != nil {
				return res, err
			}
			res.Status = rights.LetterConfirm
			return res, nil
		}
		// A gateway deduplicates on the message ID: sending again is safe.
	}
	if row.Channel == "email" && o.SMTP == nil {
		res.Status = rights.LetterHeld
		return res, nil
	}
	if row.Channel != "email" && o.Webhook == nil {
		return res, temporal.NewNonRetryableApplicationError("a mail gateway is configured but RIGHTSDESK_WEBHOOK_SECRET is not", ErrTypeNoLetter, nil)
	}
	if err := o.Store.DB.WithContext(ctx).Model(&store.Letter{}).Where("id = ?", row.ID).
		Updates(map[string]any{"status": rights.LetterSending, "attempts": gorm.Expr("attempts + 1"), "updated_at": time.Now().UTC()}).Error; err != nil {
		return res, fmt.Errorf("outbox: %w", err)
	}
	if err := o.deliver(ctx, row, key); err != nil {
		if errors.Is(err, delivery.ErrRecipientExempt) {
			// Exempt from Digital Post (or digital mail): on paper, printed
			// and posted by a caseworker.
			if err := o.Store.DB.WithContext(ctx).Model(&store.Letter{}).Where("id = ? AND status = ?", row.ID, rights.LetterSending).
				Updates(map[string]any{"channel": "print", "status": rights.LetterPrint, "updated_at": time.Now().UTC()}).Error; err != nil {
				return res, fmt.Errorf("outbox: %w", err)
			}
			res.Channel, res.Status = "print", rights.LetterPrint
			return res, nil
		}
		if errors.Is(err, delivery.ErrAmbiguous) {
			// Left in sending: the next attempt makes it a confirmation.
			return res, err
		}
		msg := err.Error()
		if e := o.mark(ctx, row.ID, rights.LetterSending, rights.LetterPending, &msg); e != nil {
			return res, errors.Join(err, e)
		}
		return res, err
	}
	if o.AfterSend != nil {
		o.AfterSend(row.ID)
	}
	now := time.Now().UTC()
	if err := o.Store.DB.WithContext(ctx).Model(&store.Letter{}).Where("id = ?", row.ID).
		Updates(map[string]any{"status": rights.LetterSent, "sent_at": now, "updated_at": now, "last_error": nil}).Error; err != nil {
		return res, fmt.Errorf("outbox: %w", err)
	}
	res.Status = rights.LetterSent
	return res, nil
}

func (o *Outbox) mark(ctx context.Context, id uuid.UUID, from, to string, lastErr *string) error {
	err := o.Store.DB.WithContext(ctx).Model(&store.Letter{}).Where("id = ? AND status = ?", id, from).
		Updates(map[string]any{"status": to, "last_error": lastErr, "updated_at": time.Now().UTC()}).Error
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}

// deliver hands a letter to its channel.
func (o *Outbox) deliver(ctx context.Context, row store.Letter, key []byte) error {
	c, pdf, err := openLetter(row, key)
	if err != nil {
		return err
	}
	switch row.Channel {
	case "email":
		return o.SMTP.Send(ctx, delivery.Email{
			MessageID: row.ID.String() + "@rightsdesk", From: c.From, To: c.To, Subject: c.Subject, Text: c.Text, HTML: c.HTML,
			PDF: pdf, PDFName: pdfName(row),
		})
	case "digital_post", "se_digital_mail":
		s, err := o.settingsOf(ctx, row.RequestID)
		if err != nil {
			return err
		}
		var target string
		var body []byte
		if row.Channel == "digital_post" {
			target, body, err = digitalPost(row, c, pdf, s)
		} else {
			target, body, err = seDigitalMail(row, c, pdf, s)
		}
		if err != nil {
			return err
		}
		return o.Webhook.Post(ctx, target, row.ID.String(), body)
	}
	return temporal.NewNonRetryableApplicationError("unknown channel "+row.Channel, ErrTypeNoLetter, nil)
}

func pdfName(row store.Letter) string { return strings.ReplaceAll(row.Kind, "_", "-") + ".pdf" }

func openLetter(row store.Letter, key []byte) (letterContent, []byte, error) {
	var c letterContent
	plain, err := crypto.Open(key, row.Content, row.ID[:])
	if err != nil {
		return c, nil, fmt.Errorf("outbox: open letter: %w", err)
	}
	if err := json.Unmarshal(plain, &c); err != nil {
		return c, nil, err
	}
	var pdf []byte
	if len(row.PDF) > 0 {
		if pdf, err = crypto.Open(key, row.PDF, append(row.ID[:], 'p')); err != nil {
			return c, nil, fmt.Errorf("outbox: open pdf: %w", err)
		}
	}
	return c, pdf, nil
}

type controllerSettings struct {
	policy.Settings
	Name    string
	Country string
}

func (o *Outbox) settingsOf(ctx context.Context, requestID uuid.UUID) (controllerSettings, error) {
	var row store.Controller
	err := o.Store.DB.WithContext(ctx).Where("id = (SELECT controller_id FROM requests WHERE id = ?)", requestID).First(&row).Error
	if err != nil {
		return controllerSettings{}, fmt.Errorf("outbox: controller: %w", err)
	}
	settings, err := controllers.SettingsOf(row)
	return controllerSettings{Name: row.Name, Country: row.Country, Settings: settings}, err
}

func digitalPost(row store.Letter, c letterContent, pdf []byte, s controllerSettings) (string, []byte, error) {
	g := s.Delivery.DigitalPost
	if g == nil {
		return "", nil, temporal.NewNonRetryableApplicationError("no Digital Post gateway configured", ErrTypeNoLetter, nil)
	}
	legal := strings.HasPrefix(row.Kind, "reply_") || row.Kind == string(letters.Refusal) || strings.HasPrefix(row.Kind, "closure_")
	body, err := json.Marshal(delivery.DigitalPost{
		Type: "digital_post.memo", MessageUUID: row.ID.String(), MessageType: "DIGITALPOST", Label: c.Subject,
		LegalNotification: legal, Sender: delivery.DPSender{IDType: "CVR", ID: g.SenderID, Label: s.Name},
		Recipient: delivery.DPPerson{IDType: "CPR", ID: c.To, Name: c.Name, Address: c.Address},
		Created:   row.CreatedAt.UTC(), Channel: "automatic",
		Case:     delivery.DPCase{CaseID: c.Reference, CaseSystem: "rightsdesk"},
		Document: delivery.DPDocument{Filename: pdfName(row), EncodingFormat: "application/pdf", Language: row.Language, Content: pdf},
	})
	return g.URL, body, err
}

func seDigitalMail(row store.Letter, c letterContent, pdf []byte, s controllerSettings) (string, []byte, error) {
	g := s.Delivery.SEDigitalMail
	if g == nil {
		return "", nil, temporal.NewNonRetryableApplicationError("no Swedish digital-mail gateway configured", ErrTypeNoLetter, nil)
	}
	sum := sha256.Sum256(pdf)
	body, err := json.Marshal(delivery.SEDigitalMail{
		Type: "se_digital_mail.secure_delivery", MessageID: row.ID.String(), Sender: delivery.SESender{OrgNumber: g.SenderID, Name: s.Name},
		Recipient: delivery.SERecipient{Personnummer: c.To, Name: c.Name, Address: c.Address}, Subject: c.Subject, Language: row.Language,
		Support: delivery.SESupport{Email: s.DPO.Email}, Body: delivery.SEBody{ContentType: "text/html", Content: c.HTML},
		Files:         []delivery.SEDocument{{Filename: pdfName(row), ContentType: "application/pdf", SHA256: hex.EncodeToString(sum[:]), Content: pdf}},
		PaperFallback: true, Reference: c.Reference,
	})
	return g.URL, body, err
}

// prepare returns the notice's outbox row, composing and writing it the
// first time, and the subject's data key that seals it.
func (o *Outbox) prepare(ctx context.Context, in rights.NoticeInput) (store.Letter, []byte, error) {
	db := o.Store.DB.WithContext(ctx)
	var req store.Request
	if err := db.First(&req, "id = ?", in.RequestID).Error; err != nil {
		return store.Letter{}, nil, fmt.Errorf("outbox: request: %w", err)
	}
	if req.SubjectID == nil {
		return store.Letter{}, nil, temporal.NewNonRetryableApplicationError("the request has no subject", ErrTypeNoLetter, nil)
	}
	subj, key, err := o.Subjects.OpenSubject(ctx, *req.SubjectID)
	if err != nil {
		return store.Letter{}, nil, fmt.Errorf("outbox: subject: %w", err)
	}
	var row store.Letter
	if err := db.Limit(1).Find(&row, "letter_key = ?", in.Key).Error; err != nil {
		return row, nil, fmt.Errorf("outbox: %w", err)
	}
	if row.ID != uuid.Nil {
		return row, key, nil
	}
	row, err = o.compose(ctx, in, req, subj, key)
	if err != nil {
		return row, nil, err
	}
	// As PostgreSQL keeps them, so the row written is the row read back.
	row.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	row.UpdatedAt = row.CreatedAt
	res := db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "letter_key"}}, DoNothing: true}).Create(&row)
	if res.Error != nil {
		return row, nil, fmt.Errorf("outbox: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return row, key, nil
	}
	// Another attempt wrote it first: the stored row wins.
	if err := db.First(&row, "letter_key = ?", in.Key).Error; err != nil {
		return row, nil, fmt.Errorf("outbox: %w", err)
	}
	return row, key, nil
}

// letterBase is what every letter of a request starts from: its controller
// (row and settings), the controller's time zone, the letter's data as far
// as the controller and the request tell it, and the renderer with the
// controller's own templates.
type letterBase struct {
	crow     store.Controller
	settings policy.Settings
	loc      *time.Location
	data     letters.Data
	renderer letters.Renderer
}

// base reads a request's controller and begins its letter, dated today in
// the controller's time zone.
func (o *Outbox) base(ctx context.Context, req store.Request, subj intake.Subject) (letterBase, error) {
	var b letterBase
	if err := o.Store.DB.WithContext(ctx).First(&b.crow, "id = ?", req.ControllerID).Error; err != nil {
		return b, fmt.Errorf("outbox: controller: %w", err)
	}
	var err error
	if b.settings, err = controllers.SettingsOf(b.crow); err != nil {
		return b, err
	}
	crow, s := b.crow, &b.settings
	if b.loc, err = deadline.LoadLocation(crow.TimeZone); err != nil {
		return b, err
	}
	authority := s.SupervisoryAuthority
	if authority.Name == "" {
		authority = policy.DefaultAuthority[crow.Country]
	}
	b.data = letters.Data{
		Language: req.Language, Today: deadline.Today(time.Now(), b.loc), Recipient: subj.Name,
		Controller: letters.Controller{Name: crow.Name, Country: crow.Country, PublicAuthority: s.PublicAuthority, DPO: s.DPO,
			Authority: authority, Record: s.Processing},
		Request: letters.Request{Reference: req.Reference, Kind: req.Kind, ReceivedOn: req.ReceivedOn, ExtendedDueOn: req.ExtendedDueOn,
			Link: strings.TrimRight(o.PublicURL, "/") + "/v1/requests/" + req.ID.String()},
		Decision: &letters.Decision{},
	}
	if req.DueOn != nil {
		b.data.Request.DueOn = *req.DueOn
	}
	if req.StatutoryDueOn != nil {
		b.data.Request.StatutoryDueOn = *req.StatutoryDueOn
	}
	b.renderer = o.Renderer
	if s.LettersDir != "" {
		b.renderer.Overrides = os.DirFS(s.LettersDir)
	}
	return b, nil
}

// compose composes a notice's letter (letters.Compose, from what is
// recorded) and seals it into its outbox row.
func (o *Outbox) compose(ctx context.Context, in rights.NoticeInput, req store.Request, subj intake.Subject, key []byte) (store.Letter, error) {
	if _, ok := letters.KindOf(in.Kind, req.Kind); !ok {
		return store.Letter{}, temporal.NewNonRetryableApplicationError("no letter for a notice of kind "+in.Kind, ErrTypeNoLetter, nil)
	}
	b, err := o.base(ctx, req, subj)
	if err != nil {
		return store.Letter{}, err
	}
	pol, err := controllers.PolicyOf(b.crow)
	if err != nil {
		return store.Letter{}, err
	}
	draft := letters.Draft{Notice: in, Data: b.data, ControllerLanguage: b.crow.Language, Settings: b.settings,
		PauseTimeoutDays: pol.Deadlines.PauseTimeoutDays, MailFrom: o.MailFrom, Loc: b.loc,
		Subject: letters.Person{Name: subj.Name, Email: subj.Email, Address: subj.Address, NationalID: subj.NationalID, NationalIDKind: subj.NationalIDKind}}
	c, err := letters.Compose(b.renderer, draft, outboxLookup{o: o, ctx: ctx, req: req, key: key, settings: b.settings, loc: b.loc})
	row := store.Letter{ID: rights.LetterID(in.Key), LetterKey: in.Key, RequestID: req.ID, Kind: string(c.Kind), Status: c.Status,
		Audience: c.Audience, Channel: c.Channel, Language: c.Language}
	if errors.Is(err, letters.ErrNoLetter) {
		return row, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeNoLetter, nil)
	}
	if err != nil {
		return row, err
	}
	l := c.Letter
	content := letterContent{From: c.From, To: c.To, Name: c.Name, Address: c.Address, Reference: req.Reference,
		Subject: l.Subject, Text: l.Text, HTML: l.HTML}
	plain, err := json.Marshal(content)
	if err != nil {
		return row, err
	}
	if row.Content, err = crypto.Seal(key, plain, row.ID[:]); err != nil {
		return row, err
	}
	if row.Audience == "subject" {
		pdf, err := l.PDF(b.crow.Name)
		if err != nil {
			return row, err
		}
		if row.PDF, err = crypto.Seal(key, pdf, append(row.ID[:], 'p')); err != nil {
			return row, err
		}
	}
	return row, nil
}

// outboxLookup answers what composing a letter asks of the database.
type outboxLookup struct {
	o        *Outbox
	ctx      context.Context
	req      store.Request
	key      []byte
	settings policy.Settings
	loc      *time.Location
}

func (l outboxLookup) StaffAddress(recipient, lang string) (string, string, error) {
	return l.o.staffAddress(l.ctx, recipient, l.settings, lang)
}

func (l outboxLookup) StatusURL() (string, error) {
	tok, err := l.o.Subjects.StatusToken(l.ctx, l.req, l.key)
	if err != nil {
		return "", fmt.Errorf("outbox: status link: %w", err)
	}
	if tok == "" {
		return "", nil
	}
	return strings.TrimRight(l.o.PublicURL, "/") + "/status/" + tok, nil
}

func (l outboxLookup) Package(d *letters.Data, channel string) error {
	return l.o.packageFacts(l.ctx, d, l.req, l.key, l.settings, l.loc, channel)
}

// packageFacts tell an access or portability reply where its package is:
// the package's own link; or, for a package released only with a one-time
// code, the status page and the channel the code goes by (not the one
// this reply goes by); or, when the person has no such channel, that they
// ask the controller for it.
func (o *Outbox) packageFacts(ctx context.Context, d *letters.Data, req store.Request, key []byte, s policy.Settings, loc *time.Location, channel string) error {
	var p store.Package
	if err := o.Store.DB.WithContext(ctx).Limit(1).Find(&p, "request_id = ? AND complete", req.ID).Error; err != nil {
		return fmt.Errorf("outbox: package: %w", err)
	}
	if !p.Complete {
		return nil
	}
	tok, err := o.Subjects.StatusToken(ctx, req, key)
	if err != nil {
		return fmt.Errorf("outbox: status link: %w", err)
	}
	if tok == "" {
		return nil
	}
	base := strings.TrimRight(o.PublicURL, "/")
	d.Request.PackageURL = base + "/v1/status/" + tok + "/package"
	d.Request.PackageUntil = deadline.Today(p.ExpiresAt, loc)
	if !store.NeedsCode(p, s) {
		return nil
	}
	chans, err := o.CodeChannels(ctx, req, channel)
	if err != nil {
		return err
	}
	if len(chans) == 0 {
		d.Request.PackageURL, d.Request.PackageHeld = "", true
		return nil
	}
	d.Request.PackageURL, d.Request.PackageCodeBy = base+"/status/"+tok, chans[0]
	return nil
}

// staffAddress finds a staff notice's address and language: the assignee's
// from the staff directory, else the controller's caseworker mailbox; the
// DPO's for the DPO.
func (o *Outbox) staffAddress(ctx context.Context, recipient string, s policy.Settings, lang string) (string, string, error) {
	mailbox := s.CaseworkerMailbox
	if mailbox == "" {
		mailbox = s.DPO.Email
	}
	switch {
	case recipient == "dpo":
		return s.DPO.Email, lang, nil
	case strings.HasPrefix(recipient, "assignee:"):
		var st store.Staff
		if err := o.Store.DB.WithContext(ctx).Limit(1).Find(&st, "id = ?", strings.TrimPrefix(recipient, "assignee:")).Error; err != nil {
			return "", "", fmt.Errorf("outbox: staff: %w", err)
		}
		if st.Email != "" {
			if st.Language != "" {
				lang = st.Language
			}
			return st.Email, lang, nil
		}
	}
	return mailbox, lang, nil
}

// MarkLetter records that a letter to print was posted, or that an e-mail
// whose outcome was unknown arrived. It is idempotent.
func (a *Activities) MarkLetter(ctx context.Context, in rights.MarkLetterInput) error {
	from := rights.LetterPrint
	if in.Status == rights.LetterSent {
		from = rights.LetterConfirm
	}
	now := time.Now().UTC()
	err := a.Store.DB.WithContext(ctx).Model(&store.Letter{}).Where("id = ? AND status = ?", in.LetterID, from).
		Updates(map[string]any{"status": in.Status, "sent_at": now, "updated_at": now}).Error
	if err != nil {
		return fmt.Errorf("mark letter: %w", err)
	}
	return nil
}

// Letters lists a request's letters, newest last.
func (o *Outbox) Letters(ctx context.Context, requestID uuid.UUID) ([]store.Letter, error) {
	var rows []store.Letter
	err := o.Store.DB.WithContext(ctx).Select("id, letter_key, request_id, kind, audience, channel, language, status, attempts, last_error, created_at, updated_at, sent_at").
		Where("request_id = ?", requestID).Order("created_at, id").Find(&rows).Error
	return rows, err
}
