package cases

import (
	"context"
	"strings"
	"time"

	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// StatusItem is what the subject sees of one request of their letter: its
// stage and dates, nothing internal.
type StatusItem struct {
	Request store.Request
	// WaitingForYou says the clock is stopped for the subject's answer.
	WaitingForYou bool
	// Closed says the request is answered or ended.
	Closed bool
	// Withdrawable says the subject can still withdraw it.
	Withdrawable bool
	// Package is the request's access or portability package, while it
	// can be downloaded or after an erasure destroyed it; nil otherwise.
	Package *PackageState
}

// PackageState is how the subject gets a request's package.
type PackageState struct {
	// Until is the last moment it can be downloaded (zero once destroyed).
	Until time.Time
	// CodeBy is set when the link alone does not release it: the channel
	// a one-time code goes by (digital_post, se_digital_mail, email).
	CodeBy string
	// NotByLink is set when it needs a code and the person has no channel
	// for one: they ask the controller for it.
	NotByLink bool
	// Destroyed is set when an erasure of the data it held destroyed it.
	Destroyed bool
	// Sent is the valid code last sent, if any.
	Sent *store.PackageCode
}

// statusRequests finds the requests behind a status token: the one the
// token was issued with and the rest of its group.
func (s *Service) statusRequests(ctx context.Context, token string) ([]store.Request, error) {
	if len(token) < 20 || len(token) > 100 {
		return nil, notFound("no request has this status link")
	}
	first, err := s.store.RequestByStatusToken(ctx, intake.HashToken(token))
	if err != nil {
		return nil, s.storeError(err)
	}
	if first == nil {
		return nil, notFound("no request has this status link")
	}
	if first.GroupID == nil {
		return []store.Request{*first}, nil
	}
	rows, err := s.store.GroupRequests(ctx, *first.GroupID)
	return rows, s.storeError(err)
}

// Status is what a status link shows: every request of the letter.
func (s *Service) Status(ctx context.Context, token string) ([]StatusItem, error) {
	rows, err := s.statusRequests(ctx, token)
	if err != nil {
		return nil, err
	}
	out := make([]StatusItem, 0, len(rows))
	for _, r := range rows {
		pkg, err := s.packageStateOf(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, StatusItem{Request: r, WaitingForYou: AwaitsAnswer(r), Closed: final(r.Stage), Withdrawable: Withdrawable(r), Package: pkg})
	}
	return out, nil
}

func final(stage string) bool { return workflows.Stage(stage).Final() }

// AwaitsAnswer reports whether a request's clock is stopped for the
// subject's answer.
func AwaitsAnswer(r store.Request) bool { return r.PausedAt != nil && !final(r.Stage) }

// Withdrawable reports whether the subject can still withdraw a request.
func Withdrawable(r store.Request) bool {
	return !final(r.Stage) && r.Stage != string(workflows.StageReply)
}

// PackageState tells a request's package as the status page shows it:
// nil when there is none to tell of (none made, or expired).
func (s *Service) PackageState(ctx context.Context, r store.Request) (*PackageState, error) {
	return s.packageStateOf(ctx, r)
}

// StatusRequests are the requests of a status link's letter.
func (s *Service) StatusRequests(ctx context.Context, token string) ([]store.Request, error) {
	return s.statusRequests(ctx, token)
}

// StatusAnswer records the subject's answer to an information request on
// every request of the letter that awaits one.
func (s *Service) StatusAnswer(ctx context.Context, token, key, answer string) error {
	if strings.TrimSpace(answer) == "" || len(answer) > MaxText {
		var errs FieldErrors
		errs.Add("/answer", "your answer, at most %d characters", MaxText)
		return errs
	}
	return s.applyStatus(ctx, token, key, AwaitsAnswer, workflows.UpdateInformationReceived,
		workflows.InformationReceived{Answer: answer, By: workflows.ActorSubject}, "no information is awaited from you")
}

// StatusWithdraw withdraws every request of the letter that can be.
func (s *Service) StatusWithdraw(ctx context.Context, token, key string) error {
	return s.applyStatus(ctx, token, key, Withdrawable, workflows.UpdateWithdraw, workflows.Withdraw{By: workflows.ActorSubject},
		"the request is already answered or closed")
}

// applyStatus sends an Update to every request of the letter it applies
// to: the subject's actions.
func (s *Service) applyStatus(ctx context.Context, token, key string, applies func(store.Request) bool, name string, arg any, none string) error {
	rows, err := s.statusRequests(ctx, token)
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
		return &ConflictError{Reason: NothingToDo, Detail: none}
	}
	for _, r := range targets {
		id, err := s.updateID(ctx, key, "subject/"+r.ID.String(), name, r.ID, arg)
		if err != nil {
			return err
		}
		if _, err := s.update(ctx, r.ID, id, name, arg); err != nil {
			return err
		}
	}
	return nil
}
