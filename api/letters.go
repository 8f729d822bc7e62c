package api

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
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

func (s *Server) lettersOf(c echo.Context, r store.Request) ([]LetterView, error) {
	var rows []store.Letter
	err := s.store.DB.WithContext(c.Request().Context()).
		Select("id, kind, audience, channel, language, status, attempts, last_error, created_at, sent_at").
		Where("request_id = ?", r.ID).Order("created_at, id").Find(&rows).Error
	if err != nil {
		return nil, s.storeError(err)
	}
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
	return out, nil
}

// listLetters is GET /v1/requests/{id}/letters: every letter and notice of
// the request and how far it got (the outbox).
func (s *Server) listLetters(c echo.Context) error {
	r, err := s.visibleRequest(c, principal(c))
	if err != nil {
		return err
	}
	items, err := s.lettersOf(c, r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}

// letterPDF is GET /v1/requests/{id}/letters/{letter}/pdf: the letter as
// the subject got it. It holds personal data, so the reading is logged
// first.
func (s *Server) letterPDF(c echo.Context) error {
	p := principal(c)
	r, err := s.visibleRequest(c, p)
	if err != nil {
		return err
	}
	id, err := uuid.Parse(c.Param("letter"))
	if err != nil {
		return NewProblem(http.StatusNotFound, "not-found", "no such letter")
	}
	ctx := c.Request().Context()
	var l store.Letter
	if err := s.store.DB.WithContext(ctx).Limit(1).Find(&l, "id = ? AND request_id = ?", id, r.ID).Error; err != nil {
		return s.storeError(err)
	}
	if l.ID == uuid.Nil || len(l.PDF) == 0 || r.SubjectID == nil {
		return NewProblem(http.StatusNotFound, "not-found", "no such letter")
	}
	if err := s.store.DB.WithContext(ctx).Create(&store.Access{RequestID: r.ID, Actor: p.Actor, What: "letter:" + l.Kind}).Error; err != nil {
		return s.storeError(err)
	}
	_, key, err := s.intake.OpenSubject(ctx, *r.SubjectID)
	if err != nil {
		return s.storeError(err)
	}
	pdf, err := crypto.Open(key, l.PDF, append(l.ID[:], 'p'))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `inline; filename="`+r.Reference+"-"+l.Kind+`.pdf"`)
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}

// SendLetterBody asks for a letter the caseworker decides on.
type SendLetterBody struct {
	Kind string `json:"kind"`
}

func (s *Server) letterRoutes(g *echo.Group, read, act echo.MiddlewareFunc) {
	g.GET("/:id/letters", s.listLetters, read)
	g.GET("/:id/letters/:letter/pdf", s.letterPDF, read)
	s.act(g, act, "letters", action(s, workflows.UpdateSendLetter, func(_ echo.Context, b SendLetterBody, p *Principal, _ store.Request) (any, error) {
		return workflows.SendLetter{Kind: b.Kind, By: workflows.Actor(p.Actor)}, nil
	}))
}
