package api

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/web"
)

// formFields maps the intake's JSON pointers to the form's fields.
var formFields = map[string]string{
	"/kind": "kind", "/subject/name": "name", "/subject/email": "email", "/subject/address": "address",
	"/subject": "email", "/subject/cpr": "national_id", "/subject/personnummer": "national_id",
	"/details/description": "description",
}

// requestFormValues is what the request form sent, to register or to show
// again.
func requestFormValues(c echo.Context) map[string]string {
	values := map[string]string{}
	if c.Request().Method != http.MethodPost {
		return values
	}
	for _, f := range []string{"kind", "name", "email", "address", "national_id", "description"} {
		values[f] = c.FormValue(f)
	}
	return values
}

// requestForm is the public request form of a controller (GET
// /request/{controller}).
func (s *Server) requestForm(c echo.Context) error {
	return s.renderRequestForm(c, http.StatusOK, map[string]string{}, nil, "")
}

// renderRequestForm renders the form with what was entered, the fields a
// problem names, and a message (a key of the page's words) for the whole.
func (s *Server) renderRequestForm(c echo.Context, status int, values map[string]string, p *Problem, message string) error {
	page := web.RequestForm{Page: web.NewPage(c, "request.title"), Controller: c.Param("controller"), Values: values,
		Invalid: map[string]bool{}, Messages: map[string]string{}, NationalID: "cpr"}
	page.CSRF = csrfOf(c)
	for _, k := range rights.Kinds {
		page.Kinds = append(page.Kinds, string(k))
	}
	row, err := s.controller(c, page.Controller)
	if err != nil {
		return err
	}
	if row == nil {
		page.Errors = []web.FormError{{Message: page.T["controller.unknown"]}}
		return c.Render(http.StatusNotFound, "request", page)
	}
	page.ControllerName = row.Name
	if message != "" {
		page.Errors = append(page.Errors, web.FormError{Message: page.T[message]})
	}
	if row.Country == "SE" {
		page.NationalID = "personnummer"
	}
	if p != nil {
		for _, fe := range p.Errors {
			field, ok := formFields[fe.Pointer]
			key := "field." + field
			if fe.Pointer == "/subject" {
				key = "field.contact"
			}
			if !ok {
				field, key = "", "field.other"
			}
			if fe.code != "" {
				key += "." + fe.code
			}
			msg := page.T[key]
			if field != "" && !page.Invalid[field] {
				page.Invalid[field] = true
				page.Messages[field] = msg
			}
			if slices.ContainsFunc(page.Errors, func(e web.FormError) bool { return e.Message == msg }) {
				continue
			}
			page.Errors = append(page.Errors, web.FormError{Field: field, Message: msg})
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Render(status, "request", page)
}

// requestFormPost registers the form's request through the same intake as
// POST /v1/requests; a refusal comes back as the form with each field's
// problem, what was written kept.
func (s *Server) requestFormPost(c echo.Context) error {
	values := requestFormValues(c)
	lang := web.Language(c)
	b := IntakeBody{Controller: c.Param("controller"), Kind: values["kind"], Channel: "web", Language: lang,
		Subject: SubjectBody{Name: values["name"], Email: values["email"], Address: values["address"]}}
	if id := values["national_id"]; id != "" {
		row, err := s.controller(c, b.Controller)
		if err != nil {
			return err
		}
		if row != nil && row.Country == "SE" {
			b.Subject.Personnummer = id
		} else {
			b.Subject.CPR = id
		}
	}
	if d := values["description"]; d != "" {
		b.Details = &DetailsBody{Description: d}
	}
	out, _, err := s.register(c, b, nil, "")
	var p *Problem
	if errors.As(err, &p) && (p.Status == http.StatusUnprocessableEntity || p.Status == http.StatusBadRequest) {
		return s.renderRequestForm(c, http.StatusUnprocessableEntity, values, p, "")
	}
	if err != nil {
		return err
	}
	page := web.Receipt{Page: web.NewPage(c, "receipt.title"), Reference: out.Reference, Kind: out.Kind}
	if due, err := time.Parse(time.DateOnly, out.DueAt); err == nil {
		page.DueOn = due
	}
	if i := strings.Index(out.StatusURL, "/status/"); i >= 0 {
		page.StatusPath = out.StatusURL[i:]
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	return c.Render(http.StatusCreated, "receipt", page)
}
