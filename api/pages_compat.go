package api

import (
	"context"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// What the pages (api/ui_*.go) still reach in the API's package until they
// move to web/ and call internal/cases directly: this file goes with them.

// pageDirectory is the staff directory as the pages' login uses it.
type pageDirectory struct {
	cases  *cases.Service
	tokens []config.Token
}

func (d *pageDirectory) remember(ctx context.Context, p *Principal, prof staffProfile) {
	d.cases.RememberStaff(ctx, p, prof)
}

// stages are the stages of a request.
var stages = cases.Stages

// scoped limits a query to the controllers the principal acts for.
func scoped(db *gorm.DB, p *Principal, column string) *gorm.DB {
	if len(p.Controllers) == 0 {
		return db
	}
	return db.Where(column+" IN ?", p.Controllers)
}

func final(stage string) bool { return workflows.Stage(stage).Final() }

// The subject's actions: who they apply to.
var (
	awaitsAnswer = cases.AwaitsAnswer
	withdrawable = cases.Withdrawable
)

// statusRequests finds the requests behind the path's status token.
func (s *Server) statusRequests(c echo.Context) ([]store.Request, error) {
	rows, err := s.cases.StatusRequests(c.Request().Context(), c.Param("token"))
	return rows, problem(err)
}

// packageState is a request's package as the status page tells it.
type packageState struct {
	until     time.Time
	codeBy    string
	notByLink bool
	destroyed bool
	sent      *store.PackageCode
}

func (s *Server) packageStateOf(ctx context.Context, r store.Request) (*packageState, error) {
	p, err := s.cases.PackageState(ctx, r)
	if err != nil || p == nil {
		return nil, problem(err)
	}
	return &packageState{until: p.Until, codeBy: p.CodeBy, notByLink: p.NotByLink, destroyed: p.Destroyed, sent: p.Sent}, nil
}

// applyStatus sends the subject's action from the status page.
func (s *Server) applyStatus(c echo.Context, key string, _ func(store.Request) bool, name string, arg any, _ string) error {
	ctx, token := c.Request().Context(), c.Param("token")
	if name == workflows.UpdateInformationReceived {
		a, _ := arg.(workflows.InformationReceived)
		return problem(s.cases.StatusAnswer(ctx, token, key, a.Answer))
	}
	return problem(s.cases.StatusWithdraw(ctx, token, key))
}

// requestMatches are the identifier matches of a request's person; the
// case page logs the reading itself.
func (s *Server) requestMatches(ctx context.Context, r store.Request) (IdentifierMatches, error) {
	m, err := s.cases.MatchesOf(ctx, r)
	return m, problem(err)
}

func validCode(code string) bool {
	return len(code) == cases.CodeDigits && strings.Trim(code, "0123456789") == ""
}
