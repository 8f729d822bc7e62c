package api

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/rightsdesk/rightsdesk/activities"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// One-time codes that release a package with special categories of data
// (docs/PRIVACY.md).
const (
	// codeValid is how long a code can be used.
	codeValid = 15 * time.Minute
	// codeDigits is a code's length.
	codeDigits = 8
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

// streamPackage answers with a request's package, a sealed piece at a
// time, after logging the reading with the factor that allowed it. A HEAD
// is not a download: it answers the headers, logs nothing and uses up
// nothing.
func (s *Server) streamPackage(c echo.Context, r store.Request, actor, factor string) error {
	ctx := c.Request().Context()
	var p store.Package
	if err := s.store.DB.WithContext(ctx).Limit(1).Find(&p, "request_id = ? AND complete AND expires_at > now()", r.ID).Error; err != nil {
		return s.storeError(err)
	}
	if !p.Complete {
		return s.noPackage(ctx, r.ID)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/zip")
	h.Set("Content-Disposition", `attachment; filename="`+r.Reference+`.zip"`)
	if isHead(c) {
		return c.NoContent(http.StatusOK)
	}
	if err := s.store.DB.WithContext(ctx).Create(&store.Access{RequestID: r.ID, Actor: actor, What: "package", Factor: &factor}).Error; err != nil {
		return s.storeError(err)
	}
	c.Response().WriteHeader(http.StatusOK)
	if _, err := activities.ReadPackage(ctx, s.store.DB, s.intake, r, c.Response()); err != nil {
		// The header is out: the download breaks off, and the log says why.
		s.log.Error("package download", "request_id", r.ID, "error", err)
	}
	return nil
}

// noPackage says why a request has no package to download: 410 when an
// erasure destroyed it, 404 otherwise.
func (s *Server) noPackage(ctx context.Context, ids ...uuid.UUID) error {
	var n int64
	if err := s.store.DB.WithContext(ctx).Model(&store.Package{}).Where("request_id IN ? AND destroyed_at IS NOT NULL", ids).Count(&n).Error; err != nil {
		return s.storeError(err)
	}
	if n > 0 {
		p := NewProblem(http.StatusGone, "gone", "the package was destroyed when the data it held was erased at the person's request")
		p.Rule = "package-destroyed"
		return p
	}
	return NewProblem(http.StatusNotFound, "not-found", "there is no package to download (none was made, or it has expired)")
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

// statusRelease finds the package of the status link's letter: the first
// of its access and portability requests with a complete, unexpired
// package.
func (s *Server) statusRelease(c echo.Context) (*release, error) {
	rows, err := s.statusRequests(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	var ids []uuid.UUID
	for _, r := range rows {
		if r.Kind != "access" && r.Kind != "portability" {
			continue
		}
		ids = append(ids, r.ID)
		var p store.Package
		if err := s.store.DB.WithContext(ctx).Limit(1).Find(&p, "request_id = ? AND complete AND expires_at > now()", r.ID).Error; err != nil {
			return nil, s.storeError(err)
		}
		if p.Complete {
			return s.releaseOf(ctx, r, p)
		}
	}
	if len(ids) == 0 {
		return nil, NewProblem(http.StatusNotFound, "not-found", "there is no package to download (none was made, or it has expired)")
	}
	return nil, s.noPackage(ctx, ids...)
}

// releaseOf says how a package is released.
func (s *Server) releaseOf(ctx context.Context, r store.Request, p store.Package) (*release, error) {
	rel := &release{req: r, pkg: p}
	var crow store.Controller
	if err := s.store.DB.WithContext(ctx).First(&crow, "id = ?", r.ControllerID).Error; err != nil {
		return nil, s.storeError(err)
	}
	settings, err := controllers.SettingsOf(crow)
	if err != nil {
		return nil, err
	}
	if rel.needsCode = activities.NeedsCode(p, settings); rel.needsCode && s.outbox != nil {
		if rel.channels, err = s.outbox.CodeChannels(ctx, r); err != nil {
			return nil, err
		}
	}
	return rel, nil
}

// notByLink is a package released only with a code, whose person has no
// channel for one.
func notByLink() *Problem {
	p := NewProblem(http.StatusForbidden, "forbidden",
		"this package is released only with a one-time code besides the link, and there is no other channel to the person to send it by: the person asks the controller, quoting the reference, and receives it from a caseworker")
	p.Rule = "package-not-by-link"
	return p
}

// statusPackage is GET /v1/status/{token}/package: the subject downloads
// the access or portability package of their letter, when the link alone
// releases it.
func (s *Server) statusPackage(c echo.Context) error {
	rel, err := s.statusRelease(c)
	if err != nil {
		return err
	}
	if rel.needsCode {
		if len(rel.channels) == 0 {
			return notByLink()
		}
		p := NewProblem(http.StatusForbidden, "forbidden", fmt.Sprintf(
			"this package holds special categories of data (or the controller asks it of every package): it is released with a one-time code besides the link. POST /v1/status/{token}/package/code sends one by %s; then POST /v1/status/{token}/package {\"code\": \"…\"}", rel.channels[0]))
		p.Rule = "package-code-required"
		return p
	}
	return s.streamPackage(c, rel.req, "subject", factorLink)
}

// PackageCodeBody asks for a one-time code: an empty JSON object.
type PackageCodeBody struct{}

// PackageCodeSent says where a code went and until when it is valid.
type PackageCodeSent struct {
	Channel   string    `json:"channel"`
	ExpiresAt time.Time `json:"expires_at"`
}

// postPackageCode is POST /v1/status/{token}/package/code.
func (s *Server) postPackageCode(c echo.Context) error {
	var b PackageCodeBody
	if err := decode(c, &b); err != nil {
		return err
	}
	sent, err := s.sendPackageCode(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, sent)
}

// sendPackageCode sends a new one-time code for the link's package by the
// first channel that takes it, within the package's limits: one a minute,
// codeSends a day. Only a keyed hash of the code is kept.
func (s *Server) sendPackageCode(c echo.Context) (PackageCodeSent, error) {
	rel, err := s.statusRelease(c)
	if err != nil {
		return PackageCodeSent{}, err
	}
	if !rel.needsCode {
		return PackageCodeSent{}, NewProblem(http.StatusConflict, "nothing-to-do", "this package is released by the link alone; it needs no code")
	}
	if len(rel.channels) == 0 {
		return PackageCodeSent{}, notByLink()
	}
	ctx := c.Request().Context()
	code, err := newCode()
	if err != nil {
		return PackageCodeSent{}, err
	}
	row := store.PackageCode{ID: uuid.New(), RequestID: rel.req.ID, Channel: rel.channels[0], ExpiresAt: s.now().Add(codeValid).UTC()}
	row.CodeHash = s.codeHash(row.ID, code)
	err = s.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockPackage(tx, rel.req.ID); err != nil {
			return err
		}
		var recent []store.PackageCode
		if err := tx.Where("request_id = ? AND created_at > ?", rel.req.ID, s.now().Add(-codeWindow)).Order("created_at").Find(&recent).Error; err != nil {
			return err
		}
		if len(recent) >= codeSends {
			return tooMany("package-code-sends", fmt.Sprintf("%d codes were sent for this package in the last 24 hours; ask again later", codeSends),
				recent[0].CreatedAt.Add(codeWindow).Sub(s.now()))
		}
		if n := len(recent); n > 0 && s.now().Sub(recent[n-1].CreatedAt) < codeResend {
			return tooMany("package-code-sends", "a code was sent less than a minute ago; wait for it, or ask again in a minute",
				recent[n-1].CreatedAt.Add(codeResend).Sub(s.now()))
		}
		row.CreatedAt = s.now().UTC()
		return tx.Create(&row).Error
	})
	if err != nil {
		return PackageCodeSent{}, s.storeError(err)
	}
	channel, err := s.outbox.SendPackageCode(ctx, rel.req, rel.channels, code, codeValid)
	if err != nil {
		// Not sent: the code is void. It still counts against the day's sends.
		if e := s.store.DB.WithContext(ctx).Model(&store.PackageCode{}).Where("id = ?", row.ID).
			Update("expires_at", gorm.Expr("created_at")).Error; e != nil {
			s.log.Error("void an unsent code", "request_id", rel.req.ID, "error", e)
		}
		if errors.Is(err, activities.ErrNoCodeChannel) {
			return PackageCodeSent{}, notByLink()
		}
		s.log.Error("send a package code", "request_id", rel.req.ID, "error", err)
		return PackageCodeSent{}, Unavailable("the code could not be sent just now; try again in a minute", 60)
	}
	if channel != row.Channel {
		if err := s.store.DB.WithContext(ctx).Model(&store.PackageCode{}).Where("id = ?", row.ID).Update("channel", channel).Error; err != nil {
			return PackageCodeSent{}, s.storeError(err)
		}
	}
	return PackageCodeSent{Channel: channel, ExpiresAt: row.ExpiresAt}, nil
}

// PackageDownloadBody is the one-time code that releases a package.
type PackageDownloadBody struct {
	Code string `json:"code"`
}

// postStatusPackage is POST /v1/status/{token}/package: the download with
// a one-time code.
func (s *Server) postStatusPackage(c echo.Context) error {
	var b PackageDownloadBody
	if err := decode(c, &b); err != nil {
		return err
	}
	return s.downloadWithCode(c, b.Code)
}

// downloadWithCode checks a one-time code and, when it is right, uses it
// up and streams the package. The package's row is locked while the code
// is checked, so guesses sent at once are counted one after the other.
func (s *Server) downloadWithCode(c echo.Context, code string) error {
	if !validCode(code) {
		var errs fieldErrors
		errs.add("/code", "the %d digits of the code we sent", codeDigits)
		return errs.problem()
	}
	rel, err := s.statusRelease(c)
	if err != nil {
		return err
	}
	if !rel.needsCode {
		// The link alone releases it: the code changes nothing.
		return s.streamPackage(c, rel.req, "subject", factorLink)
	}
	if len(rel.channels) == 0 {
		return notByLink()
	}
	var used store.PackageCode
	var wrong *Problem
	err = s.store.DB.WithContext(c.Request().Context()).Transaction(func(tx *gorm.DB) error {
		if err := lockPackage(tx, rel.req.ID); err != nil {
			return err
		}
		var recent []store.PackageCode
		if err := tx.Where("request_id = ? AND created_at > ?", rel.req.ID, s.now().Add(-codeWindow)).Order("created_at").Find(&recent).Error; err != nil {
			return err
		}
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
			return tooMany("package-code-attempts", fmt.Sprintf("%d wrong codes were tried for this package in the last 24 hours; it cannot be opened with a code until later", packageFailures), wait)
		}
		var valid *store.PackageCode
		for i := len(recent) - 1; i >= 0; i-- {
			r := &recent[i]
			if r.UsedAt == nil && r.ExpiresAt.After(s.now()) && r.Failures < codeTries {
				valid = r
			}
			break // only the latest code counts
		}
		if valid == nil {
			p := NewProblem(http.StatusForbidden, "forbidden", "there is no valid code for this package (it expired, was used, or was tried wrongly too often): ask for a new one")
			p.Rule = "package-code-required"
			return p
		}
		if subtle.ConstantTimeCompare(s.codeHash(valid.ID, code), valid.CodeHash) != 1 {
			if err := tx.Model(&store.PackageCode{}).Where("id = ?", valid.ID).Update("failures", gorm.Expr("failures + 1")).Error; err != nil {
				return err
			}
			left := min(codeTries-valid.Failures-1, packageFailures-failures-1)
			p := NewProblem(http.StatusForbidden, "forbidden", fmt.Sprintf("the code is wrong; %d more tries before a new code is needed", left))
			if left == 0 {
				p.Detail = "the code is wrong, and no more tries are left with it"
			}
			p.Rule = "package-code-wrong"
			wrong = p // the transaction commits: the wrong try is counted
			return nil
		}
		now := s.now().UTC()
		if err := tx.Model(&store.PackageCode{}).Where("id = ?", valid.ID).Update("used_at", now).Error; err != nil {
			return err
		}
		used = *valid
		return nil
	})
	if err != nil {
		return s.storeError(err)
	}
	if wrong != nil {
		return wrong
	}
	return s.streamPackage(c, rel.req, "subject", factorCode(used.Channel))
}

// lockPackage locks a package's row until the transaction ends.
func lockPackage(tx *gorm.DB, requestID uuid.UUID) error {
	var p store.Package
	return tx.Clauses(clause.Locking{Strength: "UPDATE"}).Select("request_id").First(&p, "request_id = ?", requestID).Error
}

func tooMany(rule, detail string, wait time.Duration) *Problem {
	p := NewProblem(http.StatusTooManyRequests, "rate-limited", detail)
	p.Rule = rule
	p.retryAfter = fmt.Sprint(max(1, int(wait.Round(time.Second)/time.Second)))
	return p
}

// codeHash is the keyed hash a code is kept as, bound to its row.
func (s *Server) codeHash(id uuid.UUID, code string) []byte {
	return s.keys.BlindIndex("package-code", id.String()+":"+code)
}

// newCode is a random code of codeDigits digits.
func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%0*d", codeDigits, n.Int64()), nil
}

func validCode(code string) bool {
	return len(code) == codeDigits && strings.Trim(code, "0123456789") == ""
}

// requestPackage is GET /v1/requests/{id}/package, for staff.
func (s *Server) requestPackage(c echo.Context) error {
	p := principal(c)
	r, err := s.visibleRequest(c, p)
	if err != nil {
		return err
	}
	return s.streamPackage(c, r, p.Actor, factorStaff)
}
