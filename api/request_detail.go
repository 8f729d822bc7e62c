package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// visibleRequest reads a request the principal may see; another
// controller's request is not found, so its existence is not revealed.
func (s *Server) visibleRequest(c echo.Context, p *Principal) (store.Request, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return store.Request{}, NewProblem(http.StatusNotFound, "not-found", "no such request")
	}
	r, err := s.cases.Request(c.Request().Context(), p, id)
	return r, problem(err)
}

// pathID reads a path parameter that is a UUID; a malformed one is no such thing.
func pathID(c echo.Context, name, what string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param(name))
	if err != nil {
		return uuid.Nil, NewProblem(http.StatusNotFound, "not-found", "no such "+what)
	}
	return id, nil
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
	id, err := pathID(c, "id", "request")
	if err != nil {
		return err
	}
	d, err := s.cases.RequestDetail(c.Request().Context(), principal(c), id)
	if err != nil {
		return problem(err)
	}
	r := d.Request
	out := RequestDetail{RequestView: requestView(r), Timeline: []EventView{}, Details: json.RawMessage("null"), Notes: []NoteView{},
		Subject: d.Subject, Letters: letterViews(r, d.Letters)}
	if d.Details != nil {
		out.Details = d.Details
	}
	for _, n := range d.Notes {
		out.Notes = append(out.Notes, NoteView{Number: n.Seq, At: n.At, Author: n.Actor, Text: n.Text})
	}
	for _, e := range d.Timeline {
		out.Timeline = append(out.Timeline, EventView{At: e.At, Actor: e.Actor, Action: e.Action, Data: json.RawMessage(e.Data)})
	}
	if d.State != nil {
		sv := stateView(*d.State)
		out.State = &sv
		// Read your writes: the summary is the live state's.
		out.RequestView.fromLive(*d.State)
	}
	return c.JSON(http.StatusOK, out)
}
