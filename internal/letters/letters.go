// Package letters renders rightsdesk's letters to subjects and notices to
// staff, in Danish, Swedish and English: HTML with html/template, plain
// text and PDF from the same rendering. It is pure: no I/O but the embedded
// templates and an optional directory of overrides.
//
// A template is one file per kind and language, templates/<lang>/<kind>.html,
// defining "subject" (the title of the letter or e-mail) and "body" (simple
// HTML: h2, p, ul/li, strong). Shared paragraphs (the right to complain, the
// signature) are partials in templates/<lang>/partials.html.
package letters

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/rightsdesk/rightsdesk/internal/policy"
)

// Kind is a kind of letter or notice.
type Kind string

// Letters to the subject.
const (
	Receipt                Kind = "receipt"
	InformationRequest     Kind = "information_request"
	Extension              Kind = "extension"
	Refusal                Kind = "refusal"
	ReplyAccess            Kind = "reply_access"
	ReplyRectification     Kind = "reply_rectification"
	ReplyErasure           Kind = "reply_erasure"
	ReplyRestriction       Kind = "reply_restriction"
	RestrictionLifting     Kind = "restriction_lifting"
	ReplyPortability       Kind = "reply_portability"
	ReplyObjection         Kind = "reply_objection"
	ReplyConsentWithdrawal Kind = "reply_consent_withdrawal"
	ClosureCannotIdentify  Kind = "closure_cannot_identify"
	ClosureNoAnswer        Kind = "closure_no_answer"
	Preliminary            Kind = "preliminary"
	WithdrawalConfirmed    Kind = "withdrawal_confirmed"
	// PackageCode carries the one-time code that releases a package, by
	// another channel than the status link's.
	PackageCode Kind = "package_code"
)

// Notices to staff: the reference and a link, never the subject's data.
const (
	NoticeReminder        Kind = "notice_reminder"
	NoticeRefusalReminder Kind = "notice_refusal_reminder"
	NoticeEscalation      Kind = "notice_escalation"
	NoticeBreach          Kind = "notice_breach"
	NoticeAttention       Kind = "notice_attention"
	NoticeDigest          Kind = "notice_digest"
)

// RecipientNotice tells a recipient of disclosed data that the data was
// erased, rectified or restricted, or the restriction lifted (Art. 19).
const RecipientNotice Kind = "recipient_notice"

// SubjectKinds are the letters to the subject; StaffKinds the notices;
// RecipientKinds the letters to recipients of disclosed data.
var (
	RecipientKinds = []Kind{RecipientNotice}
	SubjectKinds   = []Kind{Receipt, InformationRequest, Extension, Refusal, ReplyAccess, ReplyRectification, ReplyErasure,
		ReplyRestriction, RestrictionLifting, ReplyPortability, ReplyObjection, ReplyConsentWithdrawal,
		ClosureCannotIdentify, ClosureNoAnswer, Preliminary, WithdrawalConfirmed, PackageCode}
	StaffKinds = []Kind{NoticeReminder, NoticeRefusalReminder, NoticeEscalation, NoticeBreach, NoticeAttention, NoticeDigest}
	// Languages are the languages every kind is written in.
	Languages = []string{"da", "sv", "en"}
)

// ReplyFor is the reply letter of a right.
func ReplyFor(right string) Kind { return Kind("reply_" + right) }

// Data is everything a letter may tell. Only letters to the subject carry
// personal data (their name, what they asked); notices carry references.
type Data struct {
	Language   string
	Controller Controller
	Request    Request
	// Recipient is the subject's name as they gave it (subject letters).
	Recipient   string
	Decision    *Decision
	Extension   *ExtensionFacts
	Information *Information
	Erasure     *Erasure
	Notice      *Notice
	Disclosure  *Disclosure
	Objection   *Objection
	// Code is the one-time code of a package_code letter.
	Code *Code
	// Today is the letter's date.
	Today time.Time
}

// Controller is who writes.
type Controller struct {
	Name    string
	Country string
	// PublicAuthority is set for public bodies: a Swedish one names the
	// appeal to the administrative court in a refusal.
	PublicAuthority bool
	DPO             policy.Contact
	Authority       policy.Authority
	Record          *policy.Record
}

// Request is the request a letter is about.
type Request struct {
	Reference      string
	Kind           string
	ReceivedOn     time.Time
	DueOn          time.Time
	StatutoryDueOn time.Time
	ExtendedDueOn  *time.Time
	// StatusURL is the subject's status page (subject letters).
	StatusURL string
	// Link is the case in rightsdesk (staff notices).
	Link string
	// PackageURL is where the subject downloads their data, until
	// PackageUntil (access and portability replies).
	PackageURL   string
	PackageUntil time.Time
	// PackageCodeBy is set when the package is released only with a
	// one-time code, to the channel the code goes by (digital_post,
	// se_digital_mail, email); PackageURL is then the status page.
	PackageCodeBy string
	// PackageHeld is set when the package is released only with a code
	// and the person has no channel for one: they ask the controller, and
	// there is no PackageURL.
	PackageHeld bool
}

// Code is a one-time code and how many minutes it is valid.
type Code struct {
	Value   string
	Minutes int
}

// Decision is the decision a reply or refusal tells.
type Decision struct {
	Outcome    string // grant, partial, refuse
	Grounds    []string
	Assessment string
}

// ExtensionFacts are an extension's reason and words.
type ExtensionFacts struct {
	Reason      string // complexity, number_of_requests
	Explanation string
}

// Information is what the controller asks the subject for.
type Information struct {
	Purpose     string // identity, clarification
	What        string
	TimeoutDays int
}

// Erasure tells what was erased and what stays, and why.
type Erasure struct {
	Erased []string
	Kept   []Kept
}

// Disclosure is what a recipient of disclosed data is told (Art. 19): who
// the data is about (name, and e-mail address where given; a national
// identity number never goes by e-mail), what was done, and in which of
// the controller's datasets.
type Disclosure struct {
	// Recipient is the recipient's name, from the data map.
	Recipient string
	// Action is erased, rectified, restricted or lifted.
	Action   string
	Person   string
	Email    string
	Datasets []string
}

// Objection tells an objection's reply where processing stopped, and what
// Art. 21 does not reach (processing under a legal obligation).
type Objection struct {
	Stopped []string
	Outside []string
}

// Kept is data that stays after an erasure, with its legal reason.
type Kept struct {
	What, Why string
}

// Notice is a staff notice's facts.
type Notice struct {
	DaysLeft int
	// Step is what keeps failing (attention notices).
	Step string
	// Items are the requests of a digest.
	Items []DigestItem
}

// DigestItem is one request in a daily digest.
type DigestItem struct {
	Reference string
	Kind      string
	DueOn     time.Time
	Breached  bool
	Link      string
}

// Letter is a rendered letter.
type Letter struct {
	Kind     Kind
	Language string
	Subject  string
	HTML     string
	Text     string
	blocks   []block
}

//go:embed templates
var embedded embed.FS

// Renderer renders letters from the embedded templates, each overridden by
// a file of the same path in Overrides when there is one.
type Renderer struct {
	// Overrides holds <lang>/<kind>.html files whose definitions replace
	// the embedded ones, for one controller; nil for none.
	Overrides fs.FS
}

// ErrUnknown is a kind or language there is no template for.
var ErrUnknown = errors.New("letters: no template")

// Render renders a letter of kind in d.Language.
func (r Renderer) Render(kind Kind, d Data) (Letter, error) {
	lang := d.Language
	if !slices.Contains(Languages, lang) {
		return Letter{}, fmt.Errorf("%w for language %q", ErrUnknown, lang)
	}
	if d.Today.IsZero() {
		return Letter{}, errors.New("letters: the letter's date (Today) is not set")
	}
	if kind == RecipientNotice && d.Disclosure == nil {
		return Letter{}, errors.New("letters: a recipient notice needs its Disclosure")
	}
	if kind == PackageCode && d.Code == nil {
		return Letter{}, errors.New("letters: a package code letter needs its Code")
	}
	t, err := r.template(kind, lang)
	if err != nil {
		return Letter{}, err
	}
	var subject, body bytes.Buffer
	if err := t.ExecuteTemplate(&subject, "subject", d); err != nil {
		return Letter{}, fmt.Errorf("letters: %s/%s subject: %w", lang, kind, err)
	}
	if err := t.ExecuteTemplate(&body, "body", d); err != nil {
		return Letter{}, fmt.Errorf("letters: %s/%s body: %w", lang, kind, err)
	}
	// The subject line is plain text: undo html/template's escaping.
	l := Letter{Kind: kind, Language: lang, Subject: html.UnescapeString(strings.Join(strings.Fields(subject.String()), " "))}
	l.blocks, err = parseBlocks(body.String())
	if err != nil {
		return Letter{}, fmt.Errorf("letters: %s/%s: %w", lang, kind, err)
	}
	l.Text = textOf(l.Subject, l.blocks)
	l.HTML, err = htmlOf(lang, l.Subject, body.String())
	if err != nil {
		return Letter{}, err
	}
	return l, nil
}

func (r Renderer) template(kind Kind, lang string) (*template.Template, error) {
	t := template.New(string(kind)).Option("missingkey=error").Funcs(funcs(lang))
	// The embedded partials and letter first, then a controller's file of
	// the same path parsed over them: what it defines replaces the
	// embedded definition, the whole "body" or only a block such as
	// "access_regime"; what it leaves out stays.
	for _, name := range []string{"partials.html", string(kind) + ".html"} {
		b, err := embedded.ReadFile("templates/" + lang + "/" + name)
		if err != nil {
			if name == "partials.html" {
				return nil, fmt.Errorf("letters: partials of %s: %w", lang, err)
			}
			return nil, fmt.Errorf("%w %s/%s", ErrUnknown, lang, kind)
		}
		if _, err := t.Parse(string(b)); err != nil {
			return nil, fmt.Errorf("letters: %s/%s: %w", lang, name, err)
		}
		if r.Overrides == nil {
			continue
		}
		if b, err := fs.ReadFile(r.Overrides, lang+"/"+name); err == nil {
			if _, err := t.Parse(string(b)); err != nil {
				return nil, fmt.Errorf("letters: override %s/%s: %w", lang, name, err)
			}
		}
	}
	return t, nil
}
