package letters

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/policy"
	"github.com/rightsdesk/rightsdesk/internal/rights"
)

// ErrNoLetter is a notice no letter can be made of (no letter for its
// kind, no address for its recipient, a template that does not render):
// no retry mends it.
var ErrNoLetter = errors.New("letters: no letter")

// KindOf maps a workflow notice of a request of right to its letter.
func KindOf(notice, right string) (Kind, bool) {
	switch notice {
	case "reminder":
		return NoticeReminder, true
	case "refusal_reminder":
		return NoticeRefusalReminder, true
	case "escalation":
		return NoticeEscalation, true
	case "breach":
		return NoticeBreach, true
	case "attention":
		return NoticeAttention, true
	case "receipt":
		return Receipt, true
	case "extension":
		return Extension, true
	case "information_request":
		return InformationRequest, true
	case "withdrawal_confirmed":
		return WithdrawalConfirmed, true
	case "preliminary":
		return Preliminary, true
	case "restriction_lifting":
		return RestrictionLifting, true
	case "recipient_notice":
		return RecipientNotice, true
	case "reply_grant", "reply_partial":
		return ReplyFor(right), true
	case "reply_refuse":
		return Refusal, true
	case "reply_cannot_identify":
		return ClosureCannotIdentify, true
	case "reply_no_answer":
		return ClosureNoAnswer, true
	}
	return "", false
}

// Person is the subject as the letter needs them.
type Person struct {
	Name, Email, Address       string
	NationalID, NationalIDKind string
}

// Draft is what a notice's letter is composed from, all of it read or
// recorded before: the notice and the facts the workflow recorded in it,
// the letter's data as the controller and the request tell it (Data, dated
// today), the controller's settings and the subject.
type Draft struct {
	Notice rights.NoticeInput
	// Data is the letter's start: controller, request, date, recipient.
	Data Data
	// ControllerLanguage is the controller's own language.
	ControllerLanguage string
	Settings           policy.Settings
	// PauseTimeoutDays is the controller's, for a letter whose notice
	// does not say.
	PauseTimeoutDays int
	Subject          Person
	// MailFrom is the sender when the controller names none.
	MailFrom string
	Loc      *time.Location
}

// Lookup is what composing asks of the world, for some letters only: the
// activity that composes answers it from the database.
type Lookup interface {
	// StaffAddress is a staff notice's address and language.
	StaffAddress(recipient, lang string) (to, language string, err error)
	// StatusURL is the subject's status page, "" when there is none.
	StatusURL() (string, error)
	// Package fills in where an access or portability reply's package
	// is, for a reply going by channel.
	Package(d *Data, channel string) error
}

// Composed is a rendered letter, its audience and how it goes.
type Composed struct {
	Kind Kind
	// Audience is subject, staff or recipient; Channel is digital_post,
	// se_digital_mail, email or print; Status pending or print.
	Audience, Channel, Status, Language string
	// From, To, Name and Address are the envelope.
	From, To, Name, Address string
	Letter                  Letter
}

// Compose renders a notice's letter for its recipient and chooses the
// channel: Digital Post or Swedish digital mail where configured and the
// person gave their national ID, else e-mail, else paper.
func Compose(r Renderer, in Draft, look Lookup) (Composed, error) {
	n, d, s := in.Notice, in.Data, in.Settings
	kind, ok := KindOf(n.Kind, d.Request.Kind)
	if !ok {
		return Composed{}, fmt.Errorf("%w for a notice of kind %s", ErrNoLetter, n.Kind)
	}
	deadlineOn := applyFacts(&d, n.Facts, in.PauseTimeoutDays)
	out := Composed{Kind: kind, Status: rights.LetterPending, From: in.MailFrom}
	if s.Delivery.EmailFrom != "" {
		out.From = s.Delivery.EmailFrom
	}
	var err error
	switch {
	case kind == RecipientNotice:
		err = toRecipient(&out, &d, in)
	case strings.HasPrefix(string(kind), "notice_"):
		err = toStaff(&out, &d, in, deadlineOn, look)
	default:
		err = toSubject(&out, &d, in, look)
	}
	if err != nil {
		return out, err
	}
	out.Language = d.Language
	if out.Letter, err = r.Render(kind, d); err != nil {
		return out, fmt.Errorf("%w: %w", ErrNoLetter, err)
	}
	return out, nil
}

// applyFacts puts what the workflow recorded into the letter's data and
// returns the deadline in force.
func applyFacts(d *Data, f *rights.LetterFacts, pauseTimeoutDays int) time.Time {
	deadlineOn := d.Request.StatutoryDueOn
	if f != nil {
		if !f.DueOn.IsZero() {
			d.Request.DueOn, d.Request.StatutoryDueOn, d.Request.ExtendedDueOn, deadlineOn = f.DueOn, f.StatutoryDueOn, f.ExtendedDueOn, f.DeadlineOn
		}
		d.Decision = &Decision{Outcome: f.Outcome, Grounds: f.Grounds, Assessment: f.Assessment}
		if f.ExtensionReason != "" {
			d.Extension = &ExtensionFacts{Reason: f.ExtensionReason, Explanation: f.ExtensionExplanation}
		}
		d.Information = &Information{Purpose: f.InformationPurpose, What: f.InformationWhat, TimeoutDays: f.PauseTimeoutDays}
		if len(f.Stopped) > 0 || len(f.Outside) > 0 {
			d.Objection = &Objection{Stopped: f.Stopped, Outside: f.Outside}
		}
		if len(f.Erased) > 0 || len(f.Kept) > 0 {
			d.Erasure = &Erasure{Erased: f.Erased}
			for _, k := range f.Kept {
				d.Erasure.Kept = append(d.Erasure.Kept, Kept{What: k.What, Why: k.Why})
			}
		}
	}
	if d.Information == nil {
		d.Information = &Information{TimeoutDays: pauseTimeoutDays}
	}
	if d.Information.TimeoutDays == 0 {
		d.Information.TimeoutDays = pauseTimeoutDays
	}
	return deadlineOn
}

// toRecipient addresses a recipient of disclosed data (Art. 19), by e-mail
// at the address the data map gives.
func toRecipient(out *Composed, d *Data, in Draft) error {
	name := strings.TrimPrefix(in.Notice.Recipient, "recipient:")
	var to policy.Recipient
	for _, r := range in.Settings.Recipients {
		if r.Name == name {
			to = r
		}
	}
	if to.Email == "" || in.Notice.Facts == nil {
		return fmt.Errorf("%w: the data map gives no address for a recipient of the request", ErrNoLetter)
	}
	out.Audience, out.Channel = "recipient", "email"
	d.Recipient, out.To = "", to.Email
	if to.Language != "" {
		d.Language = to.Language
	} else {
		d.Language = in.ControllerLanguage
	}
	d.Disclosure = &Disclosure{Recipient: name, Action: in.Notice.Facts.Step, Person: in.Subject.Name, Email: in.Subject.Email, Datasets: in.Notice.Facts.Datasets}
	return nil
}

// toStaff addresses a staff notice, counting the days left to the
// deadline it is about.
func toStaff(out *Composed, d *Data, in Draft, deadlineOn time.Time, look Lookup) error {
	out.Audience, out.Channel = "staff", "email"
	d.Recipient = ""
	noticeDay := deadline.Today(in.Notice.DueAt, in.Loc)
	d.Notice = &Notice{Step: "", DaysLeft: deadline.DaysBetween(noticeDay, d.Request.DueOn)}
	switch out.Kind {
	case NoticeBreach:
		d.Notice.DaysLeft = deadline.DaysBetween(noticeDay, deadlineOn)
	case NoticeRefusalReminder:
		d.Notice.DaysLeft = deadline.DaysBetween(noticeDay, d.Request.StatutoryDueOn)
	}
	if in.Notice.Facts != nil {
		d.Notice.Step = in.Notice.Facts.Step
	}
	to, lang, err := look.StaffAddress(in.Notice.Recipient, in.ControllerLanguage)
	if err != nil {
		return err
	}
	out.To, d.Language = to, lang
	return nil
}

// toSubject addresses a letter to the subject by the first channel they
// can be reached by, and links their status page or package.
func toSubject(out *Composed, d *Data, in Draft, look Lookup) error {
	out.Audience = "subject"
	kind, subj, s := out.Kind, in.Subject, in.Settings
	if kind == Receipt || kind == InformationRequest || kind == Preliminary {
		url, err := look.StatusURL()
		if err != nil {
			return err
		}
		if url != "" {
			d.Request.StatusURL = url
		}
	}
	out.Name, out.Address = subj.Name, subj.Address
	switch {
	case s.Delivery.DigitalPost != nil && d.Controller.Country == "DK" && subj.NationalIDKind == "cpr":
		out.Channel, out.To = "digital_post", subj.NationalID
	case s.Delivery.SEDigitalMail != nil && d.Controller.Country == "SE" && (subj.NationalIDKind == "personnummer" || subj.NationalIDKind == "samordningsnummer"):
		out.Channel, out.To = "se_digital_mail", subj.NationalID
	case subj.Email != "":
		out.Channel, out.To = "email", subj.Email
	default:
		// No digital address: paper, printed and posted by a caseworker.
		out.Channel, out.Status = "print", rights.LetterPrint
	}
	if kind == ReplyAccess || kind == ReplyPortability {
		return look.Package(d, out.Channel)
	}
	return nil
}
