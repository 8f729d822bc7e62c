package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// LetterView is one letter or notice of a request, without its content.
type LetterView struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	Audience  string     `json:"audience"`
	Channel   string     `json:"channel"`
	Language  string     `json:"language"`
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts"`
	LastError *string    `json:"last_error"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at"`
	// PDF is where staff download the letter, for letters to the subject.
	PDF *string `json:"pdf"`
}

func letterViews(r store.Request, rows []store.Letter) []LetterView {
	out := make([]LetterView, 0, len(rows))
	for _, l := range rows {
		v := LetterView{ID: l.ID.String(), Kind: l.Kind, Audience: l.Audience, Channel: l.Channel, Language: l.Language, Status: l.Status,
			Attempts: l.Attempts, LastError: l.LastError, CreatedAt: l.CreatedAt, SentAt: l.SentAt}
		if l.Audience == "subject" {
			p := "/v1/requests/" + r.ID.String() + "/letters/" + l.ID.String() + "/pdf"
			v.PDF = &p
		}
		out = append(out, v)
	}
	return out
}

// listLetters is GET /v1/requests/{id}/letters: every letter and notice of
// the request and how far it got (the outbox).
func (s *Server) listLetters(c echo.Context) error {
	id, err := pathID(c, "id", "request")
	if err != nil {
		return err
	}
	r, rows, err := s.cases.Letters(c.Request().Context(), principal(c), id)
	if err != nil {
		return problem(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"items": letterViews(r, rows)})
}

// letterPDF is GET /v1/requests/{id}/letters/{letter}/pdf: the letter as
// the subject got it (the service logs the reading first).
func (s *Server) letterPDF(c echo.Context) error {
	id, err := pathID(c, "id", "request")
	if err != nil {
		return err
	}
	letter, err := pathID(c, "letter", "letter")
	if err != nil {
		return err
	}
	l, err := s.cases.LetterPDF(c.Request().Context(), principal(c), id, letter)
	if err != nil {
		return problem(err)
	}
	c.Response().Header().Set("Content-Disposition", `inline; filename="`+l.Request.Reference+"-"+l.Letter.Kind+`.pdf"`)
	return c.Blob(http.StatusOK, "application/pdf", l.PDF)
}

// SendLetterBody asks for a letter the caseworker decides on.
type SendLetterBody = cases.SendLetter

func (s *Server) letterRoutes(g *echo.Group, read, act echo.MiddlewareFunc) {
	g.GET("/:id/letters", s.listLetters, read)
	g.GET("/:id/letters/:letter/pdf", s.letterPDF, read)
	s.act(g, act, "letters")
}
