package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/web"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// uiRoutes mounts the web UI's pages (docs/UI.md) on the API's app.
func (s *Server) uiRoutes() {
	e := s.echo
	web.Mount(e)
	// Each page answers a refused form itself: the form again, in the
	// visitor's language, with what was written and a fresh token.
	status := s.csrf(func(c echo.Context) error { return s.statusFormRefused(c, http.StatusForbidden, "form.expired") })
	statusLimit := s.rateLimitedPage(func(c echo.Context) error { return s.statusFormRefused(c, http.StatusTooManyRequests, "form.limited") })
	request := s.csrf(func(c echo.Context) error {
		return s.renderRequestForm(c, http.StatusForbidden, requestFormValues(c), nil, "form.expired")
	})
	requestLimit := s.rateLimitedPage(func(c echo.Context) error {
		return s.renderRequestForm(c, http.StatusTooManyRequests, requestFormValues(c), nil, "form.limited")
	})
	e.GET("/status/:token", s.statusPage, statusLimit, status)
	e.POST("/status/:token/information", s.statusPageAnswer, statusLimit, status)
	e.POST("/status/:token/withdraw", s.statusPageWithdraw, statusLimit, status)
	e.POST("/status/:token/package/code", s.statusPageCode, statusLimit, status)
	e.POST("/status/:token/package", s.statusPageDownload, statusLimit, status)
	e.GET("/request/:controller", s.requestForm, requestLimit, request)
	e.POST("/request/:controller", s.requestFormPost, requestLimit, request)
	s.staffRoutes(s.csrf)
}

// statusFormRefused shows the status page again after a refused form,
// with the answer that was written. Over the rate limit nothing is looked
// up: the page shows only the answer, to send again in a minute.
func (s *Server) statusFormRefused(c echo.Context, status int, problem string) error {
	field, answer := "", ""
	if strings.HasSuffix(c.Path(), "/information") {
		field, answer = "answer", c.FormValue("answer")
	}
	if status != http.StatusTooManyRequests {
		return s.renderStatus(c, status, problem, field, answer)
	}
	page := web.StatusPage{Page: web.NewPage(c, "status.title"), Token: c.Param("token"), Answer: answer, Limited: true}
	page.CSRF = csrfOf(c)
	page.Error = page.T[problem]
	if answer != "" {
		page.Field = field
	}
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	return c.Render(status, "status", page)
}

// statusPage is the citizen's status page (GET /status/{token}): the same
// lookup as the API's, in the visitor's language; nothing internal.
func (s *Server) statusPage(c echo.Context) error {
	return s.renderStatus(c, http.StatusOK, "", "", "")
}

// renderStatus renders the status page with an optional problem (a key of
// the page's words) and the field it concerns.
func (s *Server) renderStatus(c echo.Context, status int, problem, field, answer string) error {
	page := web.StatusPage{Page: web.NewPage(c, "status.title"), Token: c.Param("token"), Field: field, Answer: answer}
	page.CSRF = csrfOf(c)
	if problem != "" {
		page.Error = page.T[problem]
	}
	h := c.Response().Header()
	// The link is the key to the page: never cached, never sent on.
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	rows, err := s.statusRequests(c)
	var p *Problem
	if errors.As(err, &p) && p.Status == http.StatusNotFound {
		page.Token = ""
		return c.Render(http.StatusNotFound, "status", page)
	}
	if err != nil {
		return err
	}
	for _, r := range rows {
		it := web.StatusItem{Reference: r.Reference, Kind: r.Kind, Stage: r.Stage, ReceivedOn: r.ReceivedOn, ExtendedDueOn: r.ExtendedDueOn,
			WaitingForYou: awaitsAnswer(r), Closed: final(r.Stage), Withdrawable: withdrawable(r)}
		if r.DueOn != nil {
			it.DueOn = *r.DueOn
		}
		pkg, err := s.packageStateOf(c.Request().Context(), r)
		if err != nil {
			return err
		}
		if pkg != nil {
			it.PackageDestroyed, it.PackageNotByLink, it.PackageCodeBy = pkg.destroyed, pkg.notByLink, pkg.codeBy
			if !pkg.destroyed {
				until := pkg.until
				it.PackageUntil, page.Package = &until, true
			}
			if pkg.sent != nil {
				sent := pkg.sent.CreatedAt
				it.CodeSent = &sent
			}
		}
		page.Waiting = page.Waiting || it.WaitingForYou
		page.Withdrawable = page.Withdrawable || it.Withdrawable
		page.Requests = append(page.Requests, it)
	}
	return c.Render(status, "status", page)
}

// statusPageAnswer takes the subject's answer to an information request
// from the page's form; the clock restarts as through the API.
func (s *Server) statusPageAnswer(c echo.Context) error {
	answer := c.FormValue("answer")
	if strings.TrimSpace(answer) == "" || len(answer) > maxText {
		return s.renderStatus(c, http.StatusUnprocessableEntity, "answer.invalid", "answer", answer)
	}
	err := s.applyStatus(c, "", awaitsAnswer, workflows.UpdateInformationReceived,
		workflows.InformationReceived{Answer: answer, By: workflows.ActorSubject}, "no information is awaited from you")
	return s.afterStatusForm(c, err, "answer.none", "answer", answer)
}

// statusPageWithdraw withdraws the subject's request(s) from the page.
func (s *Server) statusPageWithdraw(c echo.Context) error {
	err := s.applyStatus(c, "", withdrawable, workflows.UpdateWithdraw, workflows.Withdraw{By: workflows.ActorSubject},
		"the request is already answered or closed")
	return s.afterStatusForm(c, err, "withdraw.none", "", "")
}

// afterStatusForm sends the browser back to the page after a form was
// taken (303, so a reload sends nothing again), or shows the page with
// what was refused.
func (s *Server) afterStatusForm(c echo.Context, err error, none, field, answer string) error {
	var p *Problem
	switch {
	case err == nil:
		return c.Redirect(http.StatusSeeOther, "/status/"+c.Param("token"))
	case errors.As(err, &p) && p.Status == http.StatusConflict:
		return s.renderStatus(c, http.StatusConflict, none, field, answer)
	}
	return err
}

// statusPageCode sends a one-time code for the package from the page, and
// shows the page again (303), which says where the code went.
func (s *Server) statusPageCode(c echo.Context) error {
	_, err := s.sendPackageCode(c)
	return s.afterPackageForm(c, err, "")
}

// statusPageDownload downloads the package with the code from the page's
// form; a wrong code shows the page again, saying why.
func (s *Server) statusPageDownload(c echo.Context) error {
	code := c.FormValue("code")
	if !validCode(code) {
		return s.renderStatus(c, http.StatusUnprocessableEntity, "package.code.invalid", "code", "")
	}
	return s.afterPackageForm(c, s.downloadWithCode(c, code), "code")
}

// afterPackageForm sends the browser back to the page, or shows the page
// with the refusal in the visitor's words.
func (s *Server) afterPackageForm(c echo.Context, err error, field string) error {
	var p *Problem
	switch {
	case err == nil:
		if c.Response().Committed {
			return nil // the package went out
		}
		return c.Redirect(http.StatusSeeOther, "/status/"+c.Param("token")+"#package")
	case errors.As(err, &p) && p.Status < 500 && p.Status != http.StatusNotFound:
		key := "package.refused"
		switch p.Rule {
		case "package-code-wrong", "package-code-required", "package-code-sends", "package-code-attempts", "package-not-by-link", "package-destroyed":
			key = "package.rule." + p.Rule
		}
		if p.retryAfter != "" {
			c.Response().Header().Set("Retry-After", p.retryAfter)
		}
		return s.renderStatus(c, p.Status, key, field, "")
	}
	return err
}
