package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// StatusView is what the subject sees of a request: its stage and dates,
// nothing internal.
type StatusView struct {
	Reference      string  `json:"reference"`
	Kind           string  `json:"kind"`
	Stage          string  `json:"stage"`
	ReceivedAt     string  `json:"received_at"`
	DueAt          *string `json:"due_at"`
	StatutoryDueAt *string `json:"statutory_due_at"`
	ExtendedDueAt  *string `json:"extended_due_at"`
	WaitingForYou  bool    `json:"waiting_for_you"`
	Closed         bool    `json:"closed"`
	// Package is the request's access or portability package, while it
	// can be downloaded or after an erasure destroyed it.
	Package *PackageStatus `json:"package,omitempty"`
}

// PackageStatus is how the subject gets a request's package.
type PackageStatus struct {
	// Until is the last day it can be downloaded.
	Until string `json:"until,omitempty"`
	// CodeBy is set when the link alone does not release the package: the
	// channel a one-time code goes by (digital_post, se_digital_mail,
	// email).
	CodeBy string `json:"code_by,omitempty"`
	// NotByLink is set when it needs a code and the person has no channel
	// for one: they ask the controller for it.
	NotByLink bool `json:"not_by_link,omitempty"`
	// Destroyed is set when an erasure of the data it held destroyed it.
	Destroyed bool `json:"destroyed,omitempty"`
}

// packageState is a request's package as the status page and API tell it.
type packageState struct {
	until     time.Time
	codeBy    string
	notByLink bool
	destroyed bool
	// sent is the valid code last sent, if any.
	sent *store.PackageCode
}

// packageStateOf tells a request's package: nil when there is none to
// tell of (none made, or expired).
func (s *Server) packageStateOf(ctx context.Context, r store.Request) (*packageState, error) {
	if r.Kind != "access" && r.Kind != "portability" {
		return nil, nil
	}
	var p store.Package
	if err := s.store.DB.WithContext(ctx).Limit(1).Find(&p, "request_id = ?", r.ID).Error; err != nil {
		return nil, s.storeError(err)
	}
	switch {
	case p.DestroyedAt != nil:
		return &packageState{destroyed: true}, nil
	case !p.Complete || !p.ExpiresAt.After(s.now()):
		return nil, nil
	}
	rel, err := s.releaseOf(ctx, r, p)
	if err != nil {
		return nil, err
	}
	st := &packageState{until: p.ExpiresAt}
	if rel.needsCode {
		if len(rel.channels) == 0 {
			st.notByLink = true
			return st, nil
		}
		st.codeBy = rel.channels[0]
		var last store.PackageCode
		if err := s.store.DB.WithContext(ctx).Where("request_id = ?", r.ID).Order("created_at DESC").Limit(1).Find(&last).Error; err != nil {
			return nil, s.storeError(err)
		}
		if last.UsedAt == nil && last.ExpiresAt.After(s.now()) && last.Failures < codeTries {
			st.sent = &last
		}
	}
	return st, nil
}

func (p *packageState) view() *PackageStatus {
	if p == nil {
		return nil
	}
	v := &PackageStatus{CodeBy: p.codeBy, NotByLink: p.notByLink, Destroyed: p.destroyed}
	if !p.until.IsZero() {
		v.Until = dateOf(p.until)
	}
	return v
}

// StatusResponse lists the requests of one letter.
type StatusResponse struct {
	Requests []StatusView `json:"requests"`
}

// statusRequests finds the requests behind a status token: the one the
// token was issued with and the rest of its group.
func (s *Server) statusRequests(c echo.Context) ([]store.Request, error) {
	token := c.Param("token")
	if len(token) < 20 || len(token) > 100 {
		return nil, NewProblem(http.StatusNotFound, "not-found", "no request has this status link")
	}
	db := s.store.DB.WithContext(c.Request().Context())
	var first store.Request
	if err := db.Limit(1).Find(&first, "status_token_hash = ?", intake.HashToken(token)).Error; err != nil {
		return nil, s.storeError(err)
	}
	if first.Reference == "" {
		return nil, NewProblem(http.StatusNotFound, "not-found", "no request has this status link")
	}
	if first.GroupID == nil {
		return []store.Request{first}, nil
	}
	var rows []store.Request
	if err := db.Where("group_id = ?", *first.GroupID).Order("created_at, kind").Find(&rows).Error; err != nil {
		return nil, s.storeError(err)
	}
	return rows, nil
}

func final(stage string) bool { return workflows.Stage(stage).Final() }

func (s *Server) getStatus(c echo.Context) error {
	rows, err := s.statusRequests(c)
	if err != nil {
		return err
	}
	out := StatusResponse{Requests: []StatusView{}}
	for _, r := range rows {
		pkg, err := s.packageStateOf(c.Request().Context(), r)
		if err != nil {
			return err
		}
		out.Requests = append(out.Requests, StatusView{
			Reference: r.Reference, Kind: r.Kind, Stage: r.Stage, ReceivedAt: dateOf(r.ReceivedOn), DueAt: dateOfPtr(r.DueOn),
			StatutoryDueAt: dateOfPtr(r.StatutoryDueOn), ExtendedDueAt: dateOfPtr(r.ExtendedDueOn),
			WaitingForYou: awaitsAnswer(r), Closed: final(r.Stage), Package: pkg.view(),
		})
	}
	return c.JSON(http.StatusOK, out)
}

// StatusInformationBody is the subject's answer to an information request.
type StatusInformationBody struct {
	Answer string `json:"answer"`
}

func (s *Server) postStatusInformation(c echo.Context) error {
	var b StatusInformationBody
	if err := decode(c, &b); err != nil {
		return err
	}
	if strings.TrimSpace(b.Answer) == "" || len(b.Answer) > maxText {
		var errs fieldErrors
		errs.add("/answer", "your answer, at most %d characters", maxText)
		return errs.problem()
	}
	return s.statusAction(c, awaitsAnswer,
		workflows.UpdateInformationReceived, workflows.InformationReceived{Answer: b.Answer, By: workflows.ActorSubject},
		"no information is awaited from you")
}

// StatusWithdrawBody is the subject's withdrawal: an empty JSON object.
// A JSON body with its content type is required, so that a form on another
// site, or a no-cors fetch, cannot withdraw a request.
type StatusWithdrawBody struct{}

func (s *Server) postStatusWithdraw(c echo.Context) error {
	var b StatusWithdrawBody
	if err := decode(c, &b); err != nil {
		return err
	}
	return s.statusAction(c, withdrawable,
		workflows.UpdateWithdraw, workflows.Withdraw{By: workflows.ActorSubject}, "the request is already answered or closed")
}

// statusAction sends an Update to every request of the letter it applies
// to and answers the status.
func (s *Server) statusAction(c echo.Context, applies func(store.Request) bool, name string, arg any, none string) error {
	if err := s.applyStatus(c, c.Request().Header.Get("Idempotency-Key"), applies, name, arg, none); err != nil {
		return err
	}
	return s.getStatus(c)
}

// applyStatus sends an Update to every request of the letter it applies
// to: the subject's actions, from the API and from the status page.
func (s *Server) applyStatus(c echo.Context, key string, applies func(store.Request) bool, name string, arg any, none string) error {
	rows, err := s.statusRequests(c)
	if err != nil {
		return err
	}
	var targets []store.Request
	for _, r := range rows {
		if applies(r) {
			targets = append(targets, r)
		}
	}
	if len(targets) == 0 {
		return NewProblem(http.StatusConflict, "nothing-to-do", none)
	}
	ctx := c.Request().Context()
	for _, r := range targets {
		id, err := s.actionUpdateID(ctx, key, "subject/"+r.ID.String(), name, r.ID, arg)
		if err != nil {
			return err
		}
		if _, err := s.update(ctx, r.ID, id, name, arg); err != nil {
			return err
		}
	}
	return nil
}

// The subject's actions: who they apply to, and what else to say.
var (
	awaitsAnswer = func(r store.Request) bool { return r.PausedAt != nil && !final(r.Stage) }
	withdrawable = func(r store.Request) bool { return !final(r.Stage) && r.Stage != string(workflows.StageReply) }
)
