package citizen

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/httpx"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/web"
)

// statusFormRefused shows the status page again after a refused form,
// with the answer that was written. Over the rate limit nothing is looked
// up: the page shows only the answer, to send again in a minute.
func (d *Door) statusFormRefused(c echo.Context, status int, problem string) error {
	field, answer := "", ""
	if strings.HasSuffix(c.Path(), "/information") {
		field, answer = "answer", c.FormValue("answer")
	}
	if status != http.StatusTooManyRequests {
		return d.renderStatus(c, status, problem, field, answer)
	}
	page := web.StatusPage{Page: web.NewPage(c, "status.title"), Token: c.Param("token"), Answer: answer, Limited: true, CSRF: httpx.Token(c)}
	page.Error = page.T[problem]
	if answer != "" {
		page.Field = field
	}
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	return d.render(c, status, "status", page)
}

// statusPage is the citizen's status page (GET /status/{token}): what the
// status link opens, in the visitor's language; nothing internal.
func (d *Door) statusPage(c echo.Context) error {
	return d.renderStatus(c, http.StatusOK, "", "", "")
}

// renderStatus renders the status page with an optional problem (a key of
// the page's words) and the field it concerns.
func (d *Door) renderStatus(c echo.Context, status int, problem, field, answer string) error {
	page := web.StatusPage{Page: web.NewPage(c, "status.title"), Token: c.Param("token"), Field: field, Answer: answer, CSRF: httpx.Token(c)}
	if problem != "" {
		page.Error = page.T[problem]
	}
	h := c.Response().Header()
	// The link is the key to the page: never cached, never sent on.
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	items, err := d.Cases.Status(c.Request().Context(), c.Param("token"))
	var missing *cases.NotFoundError
	if errors.As(err, &missing) {
		page.Token = ""
		return d.render(c, http.StatusNotFound, "status", page)
	}
	if err != nil {
		return err
	}
	for _, s := range items {
		page.Requests = append(page.Requests, statusItem(s))
		it := page.Requests[len(page.Requests)-1]
		page.Package = page.Package || it.PackageUntil != nil
		page.Waiting = page.Waiting || it.WaitingForYou
		page.Withdrawable = page.Withdrawable || it.Withdrawable
	}
	return d.render(c, status, "status", page)
}

// statusItem is one request of the status page, its dates as days.
func statusItem(s cases.StatusItem) web.StatusItem {
	r := s.Request
	it := web.StatusItem{Reference: r.Reference, Kind: r.Kind, Stage: r.Stage, ReceivedOn: r.ReceivedOn, ExtendedDueOn: r.ExtendedDueOn,
		WaitingForYou: s.WaitingForYou, Closed: s.Closed, Withdrawable: s.Withdrawable}
	if r.DueOn != nil {
		it.DueOn = *r.DueOn
	}
	if pkg := s.Package; pkg != nil {
		it.PackageDestroyed, it.PackageNotByLink, it.PackageCodeBy = pkg.Destroyed, pkg.NotByLink, pkg.CodeBy
		if !pkg.Destroyed {
			until := pkg.Until
			it.PackageUntil = &until
		}
		if pkg.Sent != nil {
			sent := pkg.Sent.CreatedAt
			it.CodeSent = &sent
		}
	}
	return it
}

// statusPageAnswer takes the subject's answer to an information request
// from the page's form; the clock restarts as through the API.
func (d *Door) statusPageAnswer(c echo.Context) error {
	answer := c.FormValue("answer")
	err := d.Cases.StatusAnswer(c.Request().Context(), c.Param("token"), "", answer)
	var fields cases.FieldErrors
	if errors.As(err, &fields) {
		return d.renderStatus(c, http.StatusUnprocessableEntity, "answer.invalid", "answer", answer)
	}
	return d.afterStatusForm(c, err, "answer.none", "answer", answer)
}

// statusPageWithdraw withdraws the subject's request(s) from the page.
func (d *Door) statusPageWithdraw(c echo.Context) error {
	err := d.Cases.StatusWithdraw(c.Request().Context(), c.Param("token"), "")
	return d.afterStatusForm(c, err, "withdraw.none", "", "")
}

// afterStatusForm sends the browser back to the page after a form was
// taken (303, so a reload sends nothing again), or shows the page with
// what was refused.
func (d *Door) afterStatusForm(c echo.Context, err error, none, field, answer string) error {
	switch {
	case err == nil:
		return c.Redirect(http.StatusSeeOther, "/status/"+c.Param("token"))
	case web.Status(err) == http.StatusConflict:
		return d.renderStatus(c, http.StatusConflict, none, field, answer)
	}
	return err
}

// statusPageCode sends a one-time code for the package from the page, and
// shows the page again (303), which says where the code went.
func (d *Door) statusPageCode(c echo.Context) error {
	_, err := d.Cases.SendPackageCode(c.Request().Context(), c.Param("token"))
	return d.afterPackageForm(c, err, "")
}

// statusPageDownload downloads the package with the code from the page's
// form; a wrong code shows the page again, saying why.
func (d *Door) statusPageDownload(c echo.Context) error {
	dl, err := d.Cases.PackageWithCode(c.Request().Context(), c.Param("token"), c.FormValue("code"))
	var fields cases.FieldErrors
	if errors.As(err, &fields) {
		return d.renderStatus(c, http.StatusUnprocessableEntity, "package.code.invalid", "code", "")
	}
	if err != nil {
		return d.afterPackageForm(c, err, "code")
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/zip")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+dl.Filename()+`"`)
	if c.Request().Method == http.MethodHead {
		return c.NoContent(http.StatusOK)
	}
	// The reading is logged before the first byte; once the bytes flow, a
	// failure breaks the download off (the service logs why).
	if err := dl.Write(c.Request().Context(), c.Response()); err != nil && !c.Response().Committed {
		h.Del(echo.HeaderContentDisposition)
		return err
	}
	return nil
}

// packageRules are the package's rules whose refusal the page says in its
// own words.
var packageRules = []rights.Rule{rights.RulePackageCodeWrong, rights.RulePackageCodeRequired, rights.RulePackageCodeSends,
	rights.RulePackageCodeAttempts, rights.RulePackageNotByLink, rights.RulePackageDestroyed}

// afterPackageForm sends the browser back to the page, or shows the page
// with the refusal in the visitor's words.
func (d *Door) afterPackageForm(c echo.Context, err error, field string) error {
	if err == nil {
		return c.Redirect(http.StatusSeeOther, "/status/"+c.Param("token")+"#package")
	}
	status := web.Status(err)
	if status == 0 || status >= 500 || status == http.StatusNotFound {
		return err
	}
	key := "package.refused"
	var rule *cases.RuleError
	if errors.As(err, &rule) {
		for _, r := range packageRules {
			if rule.Rule == r {
				key = "package.rule." + string(r)
			}
		}
		if rule.RetryAfter > 0 {
			c.Response().Header().Set("Retry-After", web.RetryAfter(err))
		}
	}
	return d.renderStatus(c, status, key, field, "")
}
