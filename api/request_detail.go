package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

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

// NoteView is a caseworker's note on a request.
type NoteView struct {
	// Number counts the request's notes from 1, as the note.added event does.
	Number int       `json:"number"`
	At     time.Time `json:"at"`
	Author string    `json:"author"`
	// Text is null once the person's data is erased.
	Text *string `json:"text"`
}

// RequestDetail is a request with its subject, its live state and its timeline.
type RequestDetail struct {
	RequestView
	Subject  *intake.Subject `json:"subject"`
	Details  json.RawMessage `json:"details"`
	State    *StateView      `json:"state"`
	Timeline []EventView     `json:"timeline"`
	// Letters are the request's letters and notices, from the outbox.
	Letters []LetterView `json:"letters"`
	// Notes are the caseworkers' notes, oldest first, from the read model.
	Notes []NoteView `json:"notes"`
}

func (s *Server) getRequest(c echo.Context) error {
	p := principal(c)
	r, err := s.visibleRequest(c, p)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	out := RequestDetail{RequestView: requestView(r), Timeline: []EventView{}, Details: json.RawMessage("null"), Notes: []NoteView{}}
	if r.SubjectID != nil {
		// Every reading of personal data is logged first: no log, no data.
		if err := s.store.DB.WithContext(ctx).Create(&store.Access{RequestID: r.ID, Actor: p.Actor, What: "subject+details"}).Error; err != nil {
			return s.storeError(err)
		}
		subj, details, err := s.intake.OpenRequest(ctx, r)
		switch {
		case errors.Is(err, intake.ErrErased):
			// Erased after retention: the request stays, without them.
		case err != nil:
			return s.storeError(err)
		default:
			out.Subject = &subj
			if details != nil {
				out.Details = details
			}
		}
	}
	notes, err := s.intake.OpenNotes(ctx, r)
	if err != nil {
		return s.storeError(err)
	}
	for _, n := range notes {
		out.Notes = append(out.Notes, NoteView{Number: n.Seq, At: n.At, Author: n.Actor, Text: n.Text})
	}
	var events []store.Event
	if err := s.store.DB.WithContext(ctx).Where("request_id = ?", r.ID).Order("at, id").Find(&events).Error; err != nil {
		return s.storeError(err)
	}
	for _, e := range events {
		out.Timeline = append(out.Timeline, EventView{At: e.At, Actor: e.Actor, Action: e.Action, Data: json.RawMessage(e.Data)})
	}
	if out.Letters, err = s.lettersOf(c, r); err != nil {
		return err
	}
	if r.WorkflowStarted {
		qctx, cancel := context.WithTimeout(ctx, min(5*time.Second, s.cfg.TemporalTimeout))
		defer cancel()
		v, err := s.temporal.QueryWorkflow(qctx, rights.WorkflowID(r.ID), "", workflows.QueryState)
		if err == nil {
			var st workflows.State
			if err := v.Get(&st); err == nil {
				sv := stateView(st)
				out.State = &sv
				// Read your writes: the summary is the live state's.
				out.RequestView.fromLive(st)
			}
		} else {
			// The read model still answers while Temporal is away.
			s.log.Warn("query workflow state", "request_id", r.ID, "error", err)
		}
	}
	return c.JSON(http.StatusOK, out)
}
