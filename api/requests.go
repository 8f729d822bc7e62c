package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// RequestView is a request as lists show it: no personal data.
type RequestView struct {
	ID             string     `json:"id"`
	Reference      string     `json:"reference"`
	Controller     string     `json:"controller"`
	Kind           string     `json:"kind"`
	Channel        string     `json:"channel"`
	Stage          string     `json:"stage"`
	Outcome        *string    `json:"outcome"`
	ReceivedAt     string     `json:"received_at"`
	DueAt          *string    `json:"due_at"`
	StatutoryDueAt *string    `json:"statutory_due_at"`
	ExtendedDueAt  *string    `json:"extended_due_at"`
	Paused         bool       `json:"paused"`
	Assignee       *string    `json:"assignee"`
	Breached       bool       `json:"breached"`
	Late           bool       `json:"late"`
	GroupID        *string    `json:"group_id"`
	ClosedAt       *time.Time `json:"closed_at"`
}

func requestView(r store.Request) RequestView {
	v := RequestView{
		ID: r.ID.String(), Reference: r.Reference, Controller: r.ControllerID, Kind: r.Kind, Channel: r.Channel, Stage: r.Stage,
		Outcome: r.Outcome, ReceivedAt: dateOf(r.ReceivedOn), DueAt: dateOfPtr(r.DueOn), StatutoryDueAt: dateOfPtr(r.StatutoryDueOn),
		ExtendedDueAt: dateOfPtr(r.ExtendedDueOn), Paused: r.PausedAt != nil, Assignee: r.Assignee, Breached: r.Breached, Late: r.Late,
		ClosedAt: r.ClosedAt,
	}
	if r.GroupID != nil {
		g := r.GroupID.String()
		v.GroupID = &g
	}
	return v
}

// scoped limits a query to the controllers the principal acts for.
func scoped(db *gorm.DB, p *Principal, column string) *gorm.DB {
	if len(p.Controllers) == 0 {
		return db
	}
	return db.Where(column+" IN ?", p.Controllers)
}

// RequestList is a page of requests.
type RequestList struct {
	Items      []RequestView `json:"items"`
	NextCursor *string       `json:"next_cursor"`
}

var stages = []string{"received", "identity", "assessment", "fulfilment", "reply", "closed", "withdrawn", "forwarded"}

func (s *Server) listRequests(c echo.Context) error {
	p := principal(c)
	q := c.QueryParams()
	var errs fieldErrors
	db := scoped(s.store.DB.WithContext(c.Request().Context()).Model(&store.Request{}), p, "controller_id")
	allowed := map[string]bool{"stage": true, "kind": true, "assignee": true, "overdue": true, "due_before": true, "controller": true, "cursor": true, "limit": true}
	for k := range q {
		if !allowed[k] {
			errs.add("/query/"+k, "unknown filter")
		}
	}
	if v := q.Get("stage"); v != "" {
		if !slices.Contains(stages, v) {
			errs.add("/query/stage", "unknown stage %q", v)
		}
		db = db.Where("stage = ?", v)
	}
	if v := q.Get("kind"); v != "" {
		if !workflows.Kind(v).Valid() {
			errs.add("/query/kind", "unknown right %q", v)
		}
		db = db.Where("kind = ?", v)
	}
	if v := q.Get("controller"); v != "" {
		db = db.Where("controller_id = ?", v)
	}
	if v := q.Get("assignee"); v != "" {
		if v == "me" {
			v = p.Actor
		}
		db = db.Where("assignee = ?", v)
	}
	if v := q.Get("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs.add("/query/overdue", "true or false")
		} else if b {
			db = db.Where("closed_at IS NULL AND due_on < ?", deadline.Day(time.Now()))
		}
	}
	if v := q.Get("due_before"); v != "" {
		d, err := deadline.ParseDate(v)
		if err != nil {
			errs.add("/query/due_before", "%q is not a real date (YYYY-MM-DD)", v)
		}
		db = db.Where("due_on < ?", d)
	}
	limit := errs.limit(q.Get("limit"), 50, 200)
	if v := q.Get("cursor"); v != "" {
		due, id, err := parseCursor(v)
		if err != nil {
			errs.add("/query/cursor", "not a cursor from this list")
		}
		// Keyset pagination over (due_on, id); requests without a due date sort last.
		db = db.Where("(COALESCE(due_on, 'infinity'::date), id) > (?::date, ?)", due, id)
	}
	if err := errs.problem(); err != nil {
		return err
	}
	var rows []store.Request
	if err := db.Order("COALESCE(due_on, 'infinity'::date), id").Limit(limit + 1).Find(&rows).Error; err != nil {
		return s.storeError(err)
	}
	out := RequestList{Items: []RequestView{}}
	for i, r := range rows {
		if i == limit {
			cur := makeCursor(rows[i-1])
			out.NextCursor = &cur
			break
		}
		out.Items = append(out.Items, requestView(r))
	}
	return c.JSON(http.StatusOK, out)
}

func makeCursor(r store.Request) string {
	due := "infinity"
	if r.DueOn != nil {
		due = dateOf(*r.DueOn)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(due + "|" + r.ID.String()))
}

func parseCursor(s string) (string, uuid.UUID, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", uuid.Nil, err
	}
	due, id, ok := strings.Cut(string(b), "|")
	if !ok {
		return "", uuid.Nil, fmt.Errorf("bad cursor")
	}
	if due != "infinity" {
		if _, err := deadline.ParseDate(due); err != nil {
			return "", uuid.Nil, err
		}
	}
	u, err := uuid.Parse(id)
	return due, u, err
}

// visibleRequest reads a request the principal may see; another
// controller's request is not found, so its existence is not revealed.
func (s *Server) visibleRequest(c echo.Context, p *Principal) (store.Request, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return store.Request{}, NewProblem(http.StatusNotFound, "not-found", "no such request")
	}
	var r store.Request
	err = scoped(s.store.DB.WithContext(c.Request().Context()), p, "controller_id").Limit(1).Find(&r, "id = ?", id).Error
	if err != nil {
		return r, s.storeError(err)
	}
	if r.ID == uuid.Nil {
		return r, NewProblem(http.StatusNotFound, "not-found", "no such request")
	}
	return r, nil
}

// EventView is one entry of a request's audit timeline.
type EventView struct {
	At     time.Time       `json:"at"`
	Actor  string          `json:"actor"`
	Action string          `json:"action"`
	Data   json.RawMessage `json:"data"`
}

// RequestDetail is a request with its subject, its live state and its timeline.
type RequestDetail struct {
	RequestView
	Subject  *intake.Subject `json:"subject"`
	Details  json.RawMessage `json:"details"`
	State    *StateView      `json:"state"`
	Timeline []EventView     `json:"timeline"`
}

func (s *Server) getRequest(c echo.Context) error {
	p := principal(c)
	r, err := s.visibleRequest(c, p)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	out := RequestDetail{RequestView: requestView(r), Timeline: []EventView{}, Details: json.RawMessage("null")}
	if r.SubjectID != nil {
		// Every reading of personal data is logged first: no log, no data.
		if err := s.store.DB.WithContext(ctx).Create(&store.Access{RequestID: r.ID, Actor: p.Actor, What: "subject+details"}).Error; err != nil {
			return s.storeError(err)
		}
		subj, details, err := s.intake.OpenRequest(ctx, r)
		if err != nil {
			return s.storeError(err)
		}
		out.Subject = &subj
		if details != nil {
			out.Details = details
		}
	}
	var events []store.Event
	if err := s.store.DB.WithContext(ctx).Where("request_id = ?", r.ID).Order("at, id").Find(&events).Error; err != nil {
		return s.storeError(err)
	}
	for _, e := range events {
		out.Timeline = append(out.Timeline, EventView{At: e.At, Actor: e.Actor, Action: e.Action, Data: json.RawMessage(e.Data)})
	}
	if r.WorkflowStarted {
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		v, err := s.temporal.QueryWorkflow(qctx, workflows.WorkflowID(r.ID), "", workflows.QueryState)
		if err == nil {
			var st workflows.State
			if err := v.Get(&st); err == nil {
				sv := stateView(st)
				out.State = &sv
			}
		} else {
			// The read model still answers while Temporal is away.
			s.log.Warn("query workflow state", "request_id", r.ID, "error", err)
		}
	}
	return c.JSON(http.StatusOK, out)
}

// updateID is the Update's ID: the Idempotency-Key scoped to the actor, so
// a retried call is applied once; without a key every call is new.
func updateID(c echo.Context, p *Principal) string {
	if k := c.Request().Header.Get("Idempotency-Key"); k != "" {
		return p.Actor + "/" + k
	}
	return uuid.NewString()
}

// action decodes an action body, turns it into an Update argument and sends it.
func action[B any](s *Server, name string, build func(B, *Principal) (any, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := principal(c)
		r, err := s.visibleRequest(c, p)
		if err != nil {
			return err
		}
		var b B
		if err := decode(c, &b); err != nil {
			return err
		}
		arg, err := build(b, p)
		if err != nil {
			return err
		}
		st, err := s.update(c.Request().Context(), r.ID, updateID(c, p), name, arg)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, stateView(st))
	}
}

// Action bodies.
type (
	// IdentityActionBody records how identity was verified.
	IdentityActionBody struct {
		Method string `json:"method"`
	}
	// InformationRequestBody asks the subject for information; the clock stops.
	InformationRequestBody struct {
		Purpose string `json:"purpose"`
		What    string `json:"what"`
	}
	// InformationBody records that the subject's answer arrived (by post, say).
	InformationBody struct {
		ReceivedAt string `json:"received_at,omitempty"`
	}
	// DecisionBody records the decision.
	DecisionBody struct {
		Outcome       string   `json:"outcome"`
		Grounds       []string `json:"grounds,omitempty"`
		Assessment    string   `json:"assessment"`
		Justification string   `json:"justification,omitempty"`
	}
	// ExtensionBody extends the deadline.
	ExtensionBody struct {
		Reason      string `json:"reason"`
		Explanation string `json:"explanation"`
	}
	// AssignmentBody assigns the request.
	AssignmentBody struct {
		Assignee string `json:"assignee"`
	}
	// NoteBody adds a note.
	NoteBody struct {
		Text string `json:"text"`
	}
	// WithdrawalBody records a withdrawal the subject made by phone or letter.
	WithdrawalBody struct{}
)

func (s *Server) actionRoutes(g *echo.Group) {
	g.POST("/:id/identity", action(s, workflows.UpdateVerifyIdentity, func(b IdentityActionBody, p *Principal) (any, error) {
		return workflows.VerifyIdentity{Method: workflows.IdentityMethod(b.Method), By: workflows.Actor(p.Actor)}, nil
	}))
	g.POST("/:id/information-request", action(s, workflows.UpdateRequestInformation, func(b InformationRequestBody, p *Principal) (any, error) {
		return workflows.RequestInformation{Purpose: workflows.InformationPurpose(b.Purpose), What: b.What, By: workflows.Actor(p.Actor)}, nil
	}))
	g.POST("/:id/information", action(s, workflows.UpdateInformationReceived, func(b InformationBody, p *Principal) (any, error) {
		in := workflows.InformationReceived{By: workflows.Actor(p.Actor)}
		if b.ReceivedAt != "" {
			d, err := deadline.ParseDate(b.ReceivedAt)
			if err != nil {
				var errs fieldErrors
				errs.add("/received_at", "%q is not a real date (YYYY-MM-DD)", b.ReceivedAt)
				return nil, errs.problem()
			}
			in.ReceivedOn = d
		}
		return in, nil
	}))
	g.POST("/:id/decision", action(s, workflows.UpdateDecide, func(b DecisionBody, p *Principal) (any, error) {
		return workflows.Decide{Outcome: workflows.Outcome(b.Outcome), Grounds: b.Grounds, Assessment: b.Assessment, Justification: b.Justification, By: workflows.Actor(p.Actor)}, nil
	}))
	g.POST("/:id/extension", action(s, workflows.UpdateExtend, func(b ExtensionBody, p *Principal) (any, error) {
		return workflows.Extend{Reason: workflows.ExtensionReason(b.Reason), Explanation: b.Explanation, By: workflows.Actor(p.Actor)}, nil
	}))
	g.POST("/:id/assignment", action(s, workflows.UpdateAssign, func(b AssignmentBody, p *Principal) (any, error) {
		return workflows.Assign{Assignee: b.Assignee, By: workflows.Actor(p.Actor)}, nil
	}))
	g.POST("/:id/notes", action(s, workflows.UpdateAddNote, func(b NoteBody, p *Principal) (any, error) {
		return workflows.AddNote{Text: b.Text, By: workflows.Actor(p.Actor)}, nil
	}))
	g.POST("/:id/withdrawal", action(s, workflows.UpdateWithdraw, func(_ WithdrawalBody, p *Principal) (any, error) {
		return workflows.Withdraw{By: workflows.Actor(p.Actor)}, nil
	}))
}

var staffRoles = []string{config.RoleCaseworker, config.RoleDPO, config.RoleAdmin}

// AccessView is one reading of the subject's data.
type AccessView struct {
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	What  string    `json:"what"`
}

// accessLog tells the DPO who read a request's personal data, and when.
func (s *Server) accessLog(c echo.Context) error {
	r, err := s.visibleRequest(c, principal(c))
	if err != nil {
		return err
	}
	var rows []store.Access
	if err := s.store.DB.WithContext(c.Request().Context()).Where("request_id = ?", r.ID).Order("at, id").Find(&rows).Error; err != nil {
		return s.storeError(err)
	}
	out := struct {
		Items []AccessView `json:"items"`
	}{Items: []AccessView{}}
	for _, a := range rows {
		out.Items = append(out.Items, AccessView{At: a.At, Actor: a.Actor, What: a.What})
	}
	return c.JSON(http.StatusOK, out)
}
