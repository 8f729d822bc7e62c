package cases

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// One-time codes that release a package with special categories of data
// (docs/PRIVACY.md).
const (
	// codeValid is how long a code can be used.
	codeValid = 15 * time.Minute
	// CodeDigits is a code's length.
	CodeDigits = 8
	// codeTries is how many wrong codes one code stands before it is void.
	codeTries = 5
	// packageFailures is how many wrong codes a package stands in a day.
	packageFailures = 10
	// codeSends is how many codes a package gets sent in a day, and
	// codeResend how long after one the next can be asked for.
	codeSends  = 5
	codeResend = time.Minute
	// codeWindow is the day the limits count over.
	codeWindow = 24 * time.Hour
)

// Factors an access-log entry of a package download names.
const (
	factorLink  = "link"
	factorStaff = "staff"
)

func factorCode(channel string) string { return "link+code:" + channel }

// Download is a package released to someone. The door sets its headers
// and calls Write; a HEAD request does not call it, and so logs nothing
// and uses up nothing.
type Download struct {
	Request store.Request
	s       *Service
	actor   string
	factor  string
}

// Filename is the download's file name: the request's reference.
func (d *Download) Filename() string { return d.Request.Reference + ".zip" }

// Write logs the reading with the factor that allowed it, then streams the
// package a sealed piece at a time. Once the first byte is out an error
// breaks the download off; it is logged, and returned.
func (d *Download) Write(ctx context.Context, w io.Writer) error {
	f := d.factor
	if err := d.s.store.LogAccess(ctx, store.Access{RequestID: d.Request.ID, Actor: d.actor, What: "package", Factor: &f}); err != nil {
		return d.s.storeError(err)
	}
	if err := d.s.readPackage(ctx, d.Request, w); err != nil {
		d.s.log.Error("package download", "request_id", d.Request.ID, "error", err)
		return err
	}
	return nil
}

// readPackage writes a request's complete, unexpired package to w, opening
// one sealed piece at a time; nothing when there is none (a package an
// erasure destroyed is no longer complete).
func (s *Service) readPackage(ctx context.Context, r store.Request, w io.Writer) error {
	p, err := s.store.ReadyPackage(ctx, r.ID)
	if err != nil || p.RequestID == uuid.Nil || r.SubjectID == nil {
		return err
	}
	_, key, err := s.intake.OpenSubject(ctx, *r.SubjectID)
	if err != nil {
		return err
	}
	for seq := range p.Chunks {
		c, err := s.store.PackageChunk(ctx, r.ID, seq)
		if err != nil {
			return err
		}
		plain, err := crypto.Open(key, c.Data, store.ChunkAAD(r.ID, seq))
		if err != nil {
			return err
		}
		if _, err := w.Write(plain); err != nil {
			return err
		}
	}
	return nil
}

// download releases a request's complete package, or says why there is none.
func (s *Service) download(ctx context.Context, r store.Request, actor, factor string) (*Download, error) {
	p, err := s.store.ReadyPackage(ctx, r.ID)
	if err != nil {
		return nil, s.storeError(err)
	}
	if !p.Complete {
		return nil, s.noPackage(ctx, r.ID)
	}
	return &Download{Request: r, s: s, actor: actor, factor: factor}, nil
}

// StaffPackage releases the package of a request p may see to p.
func (s *Service) StaffPackage(ctx context.Context, p *Principal, id uuid.UUID) (*Download, error) {
	r, err := s.Request(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return s.download(ctx, r, p.Actor, factorStaff)
}

// noPackage says why a request has no package to download: destroyed by
// an erasure (a rule), or none at all.
func (s *Service) noPackage(ctx context.Context, ids ...uuid.UUID) error {
	n, err := s.store.DestroyedPackages(ctx, ids)
	if err != nil {
		return s.storeError(err)
	}
	if n > 0 {
		return &RuleError{Rule: rights.RulePackageDestroyed, Detail: "the package was destroyed when the data it held was erased at the person's request"}
	}
	return notFound("there is no package to download (none was made, or it has expired)")
}

// release is the package a status link opens, and how it is released.
type release struct {
	req store.Request
	pkg store.Package
	// needsCode is set when the link alone does not release it; channels
	// are where a code may go (none: it is not released by link).
	needsCode bool
	channels  []string
}

// packageStateOf tells a request's package: nil when there is none to
// tell of (none made, or expired).
func (s *Service) packageStateOf(ctx context.Context, r store.Request) (*PackageState, error) {
	if r.Kind != "access" && r.Kind != "portability" {
		return nil, nil
	}
	p, err := s.store.PackageOf(ctx, r.ID)
	if err != nil {
		return nil, s.storeError(err)
	}
	switch {
	case p.DestroyedAt != nil:
		return &PackageState{Destroyed: true}, nil
	case !p.Complete || !p.ExpiresAt.After(s.now()):
		return nil, nil
	}
	rel, err := s.releaseOf(ctx, r, p)
	if err != nil {
		return nil, err
	}
	st := &PackageState{Until: p.ExpiresAt}
	if rel.needsCode {
		if len(rel.channels) == 0 {
			st.NotByLink = true
			return st, nil
		}
		st.CodeBy = rel.channels[0]
		last, err := s.store.LastPackageCode(ctx, r.ID)
		if err != nil {
			return nil, s.storeError(err)
		}
		if last.UsedAt == nil && last.ExpiresAt.After(s.now()) && last.Failures < codeTries {
			st.Sent = &last
		}
	}
	return st, nil
}

// statusRelease finds the package of the status link's letter: the first
// of its access and portability requests with a complete, unexpired
// package.
func (s *Service) statusRelease(ctx context.Context, token string) (*release, error) {
	rows, err := s.statusRequests(ctx, token)
	if err != nil {
		return nil, err
	}
	var ids []uuid.UUID
	for _, r := range rows {
		if r.Kind != "access" && r.Kind != "portability" {
			continue
		}
		ids = append(ids, r.ID)
		p, err := s.store.ReadyPackage(ctx, r.ID)
		if err != nil {
			return nil, s.storeError(err)
		}
		if p.Complete {
			return s.releaseOf(ctx, r, p)
		}
	}
	if len(ids) == 0 {
		return nil, notFound("there is no package to download (none was made, or it has expired)")
	}
	return nil, s.noPackage(ctx, ids...)
}

// releaseOf says how a package is released.
func (s *Service) releaseOf(ctx context.Context, r store.Request, p store.Package) (*release, error) {
	rel := &release{req: r, pkg: p}
	crow, err := s.store.ControllerByID(ctx, r.ControllerID)
	if err != nil {
		return nil, s.storeError(err)
	}
	if crow == nil {
		return nil, notFound("no such request")
	}
	settings, err := controllers.SettingsOf(*crow)
	if err != nil {
		return nil, err
	}
	if rel.needsCode = store.NeedsCode(p, settings); rel.needsCode && s.outbox != nil {
		if rel.channels, err = s.outbox.CodeChannels(ctx, r); err != nil {
			return nil, err
		}
	}
	return rel, nil
}

// notByLink is a package released only with a code, whose person has no
// channel for one.
func notByLink() error {
	return &RuleError{Rule: rights.RulePackageNotByLink, Detail: "this package is released only with a one-time code besides the link, and there is no other channel to the person to send it by: the person asks the controller, quoting the reference, and receives it from a caseworker"}
}

// StatusPackage releases the access or portability package of a status
// link's letter, when the link alone releases it.
func (s *Service) StatusPackage(ctx context.Context, token string) (*Download, error) {
	rel, err := s.statusRelease(ctx, token)
	if err != nil {
		return nil, err
	}
	if rel.needsCode {
		if len(rel.channels) == 0 {
			return nil, notByLink()
		}
		return nil, &RuleError{Rule: rights.RulePackageCodeRequired, Detail: fmt.Sprintf(
			"this package holds special categories of data (or the controller asks it of every package): it is released with a one-time code besides the link. POST /v1/status/{token}/package/code sends one by %s; then POST /v1/status/{token}/package {\"code\": \"…\"}", rel.channels[0])}
	}
	return s.download(ctx, rel.req, "subject", factorLink)
}

// CodeSent says where a code went and until when it is valid.
type CodeSent struct {
	Channel   string    `json:"channel"`
	ExpiresAt time.Time `json:"expires_at"`
}

// SendPackageCode sends a new one-time code for the status link's package
// by the first channel that takes it, within the package's limits: one a
// minute, codeSends a day. Only a keyed hash of the code is kept.
func (s *Service) SendPackageCode(ctx context.Context, token string) (CodeSent, error) {
	rel, err := s.statusRelease(ctx, token)
	if err != nil {
		return CodeSent{}, err
	}
	if !rel.needsCode {
		return CodeSent{}, &ConflictError{Reason: NothingToDo, Detail: "this package is released by the link alone; it needs no code"}
	}
	if len(rel.channels) == 0 {
		return CodeSent{}, notByLink()
	}
	code, err := newCode()
	if err != nil {
		return CodeSent{}, err
	}
	row := store.PackageCode{ID: uuid.New(), RequestID: rel.req.ID, Channel: rel.channels[0], ExpiresAt: s.now().Add(codeValid).UTC()}
	row.CodeHash = s.codeHash(row.ID, code)
	err = s.store.WithPackageLocked(ctx, rel.req.ID, s.now().Add(-codeWindow), func(tx store.CodeTx, recent []store.PackageCode) error {
		if len(recent) >= codeSends {
			return tooMany(rights.RulePackageCodeSends, fmt.Sprintf("%d codes were sent for this package in the last 24 hours; ask again later", codeSends),
				recent[0].CreatedAt.Add(codeWindow).Sub(s.now()))
		}
		if n := len(recent); n > 0 && s.now().Sub(recent[n-1].CreatedAt) < codeResend {
			return tooMany(rights.RulePackageCodeSends, "a code was sent less than a minute ago; wait for it, or ask again in a minute",
				recent[n-1].CreatedAt.Add(codeResend).Sub(s.now()))
		}
		row.CreatedAt = s.now().UTC()
		return tx.Create(row)
	})
	if err != nil {
		return CodeSent{}, s.storeError(err)
	}
	channel, err := s.outbox.SendPackageCode(ctx, rel.req, rel.channels, code, codeValid)
	if err != nil {
		// Not sent: the code is void. It still counts against the day's sends.
		if e := s.store.VoidPackageCode(ctx, row.ID); e != nil {
			s.log.Error("void an unsent code", "request_id", rel.req.ID, "error", e)
		}
		if errors.Is(err, rights.ErrNoCodeChannel) {
			return CodeSent{}, notByLink()
		}
		s.log.Error("send a package code", "request_id", rel.req.ID, "error", err)
		return CodeSent{}, &UnavailableError{Detail: "the code could not be sent just now; try again in a minute", RetryAfter: time.Minute}
	}
	if channel != row.Channel {
		if err := s.store.SetPackageCodeChannel(ctx, row.ID, channel); err != nil {
			return CodeSent{}, s.storeError(err)
		}
	}
	return CodeSent{Channel: channel, ExpiresAt: row.ExpiresAt}, nil
}

// PackageWithCode checks a one-time code and, when it is right, uses it
// up and releases the package. The package's row is locked while the code
// is checked, so guesses sent at once are counted one after the other.
func (s *Service) PackageWithCode(ctx context.Context, token, code string) (*Download, error) {
	if !validCode(code) {
		var errs FieldErrors
		errs.Add("/code", "the %d digits of the code we sent", CodeDigits)
		return nil, errs
	}
	rel, err := s.statusRelease(ctx, token)
	if err != nil {
		return nil, err
	}
	if !rel.needsCode {
		// The link alone releases it: the code changes nothing.
		return s.download(ctx, rel.req, "subject", factorLink)
	}
	if len(rel.channels) == 0 {
		return nil, notByLink()
	}
	var used store.PackageCode
	var wrong error
	err = s.store.WithPackageLocked(ctx, rel.req.ID, s.now().Add(-codeWindow), func(tx store.CodeTx, recent []store.PackageCode) error {
		valid, failures, err := s.codeToTry(recent)
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare(s.codeHash(valid.ID, code), valid.CodeHash) != 1 {
			if err := tx.Fail(valid.ID); err != nil {
				return err
			}
			left := min(codeTries-valid.Failures-1, packageFailures-failures-1)
			detail := fmt.Sprintf("the code is wrong; %d more tries before a new code is needed", left)
			if left == 0 {
				detail = "the code is wrong, and no more tries are left with it"
			}
			wrong = &RuleError{Rule: rights.RulePackageCodeWrong, Detail: detail} // the transaction commits: the wrong try is counted
			return nil
		}
		used = *valid
		return tx.Use(valid.ID, s.now().UTC())
	})
	if err != nil {
		return nil, s.storeError(err)
	}
	if wrong != nil {
		return nil, wrong
	}
	return s.download(ctx, rel.req, "subject", factorCode(used.Channel))
}

// codeToTry is the package's code a guess is checked against, within the
// day's limit of wrong tries, with the day's wrong tries so far.
func (s *Service) codeToTry(recent []store.PackageCode) (*store.PackageCode, int, error) {
	failures := 0
	for _, r := range recent {
		failures += r.Failures
	}
	if failures >= packageFailures {
		var wait time.Duration
		for _, r := range recent {
			if r.Failures > 0 {
				wait = r.CreatedAt.Add(codeWindow).Sub(s.now())
				break
			}
		}
		return nil, failures, tooMany(rights.RulePackageCodeAttempts, fmt.Sprintf("%d wrong codes were tried for this package in the last 24 hours; it cannot be opened with a code until later", packageFailures), wait)
	}
	// Only the latest code counts.
	if n := len(recent); n > 0 {
		if r := &recent[n-1]; r.UsedAt == nil && r.ExpiresAt.After(s.now()) && r.Failures < codeTries {
			return r, failures, nil
		}
	}
	return nil, failures, &RuleError{Rule: rights.RulePackageCodeRequired, Detail: "there is no valid code for this package (it expired, was used, or was tried wrongly too often): ask for a new one"}
}

func tooMany(rule rights.Rule, detail string, wait time.Duration) error {
	return &RuleError{Rule: rule, Detail: detail, RetryAfter: max(time.Second, wait.Round(time.Second))}
}

// codeHash is the keyed hash a code is kept as, bound to its row.
func (s *Service) codeHash(id uuid.UUID, code string) []byte {
	return s.keys.BlindIndex("package-code", id.String()+":"+code)
}

// newCode is a random code of CodeDigits digits.
func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%0*d", CodeDigits, n.Int64()), nil
}

func validCode(code string) bool {
	return len(code) == CodeDigits && strings.Trim(code, "0123456789") == ""
}
