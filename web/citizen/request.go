package citizen

import (
	"errors"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/httpx"
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
func (d *Door) requestForm(c echo.Context) error {
	return d.renderRequestForm(c, http.StatusOK, map[string]string{}, nil, "")
}

// renderRequestForm renders the form with what was entered, the fields a
// refusal names, and a message (a key of the page's words) for the whole.
func (d *Door) renderRequestForm(c echo.Context, status int, values map[string]string, fields cases.FieldErrors, message string) error {
	page := web.RequestForm{Page: web.NewPage(c, "request.title"), Controller: c.Param("controller"), Values: values,
		Invalid: map[string]bool{}, Messages: map[string]string{}, NationalID: "cpr", CSRF: httpx.Token(c)}
	for _, k := range rights.Kinds {
		page.Kinds = append(page.Kinds, string(k))
	}
	row, err := d.Cases.Controller(c.Request().Context(), nil, page.Controller)
	var missing *cases.NotFoundError
	if errors.As(err, &missing) {
		page.Errors = []web.FormError{{Message: page.T["controller.unknown"]}}
		return d.render(c, http.StatusNotFound, "request", page)
	}
	if err != nil {
		return err
	}
	page.ControllerName = row.Name
	if message != "" {
		page.Errors = append(page.Errors, web.FormError{Message: page.T[message]})
	}
	if row.Country == "SE" {
		page.NationalID = "personnummer"
	}
	for _, fe := range fields {
		field := formFields[fe.Pointer]
		msg := web.FieldWord(page.T, field, fe)
		if field != "" && !page.Invalid[field] {
			page.Invalid[field] = true
			page.Messages[field] = msg
		}
		if slices.ContainsFunc(page.Errors, func(e web.FormError) bool { return e.Message == msg }) {
			continue
		}
		page.Errors = append(page.Errors, web.FormError{Field: field, Message: msg})
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return d.render(c, status, "request", page)
}

// requestFormPost registers the form's request through the same intake as
// POST /v1/requests; a refusal comes back as the form with each field's
// problem, what was written kept.
func (d *Door) requestFormPost(c echo.Context) error {
	values := requestFormValues(c)
	lang := web.Language(c)
	ctx := c.Request().Context()
	b := cases.Intake{Controller: c.Param("controller"), Kind: values["kind"], Channel: "web", Language: lang,
		Subject: cases.IntakeSubject{Name: values["name"], Email: values["email"], Address: values["address"]}}
	if id := values["national_id"]; id != "" {
		// A CPR number or a personnummer, by the controller's country; an
		// unknown controller is the intake's to refuse.
		row, err := d.Cases.Controller(ctx, nil, b.Controller)
		if err != nil && web.Status(err) != http.StatusNotFound {
			return err
		}
		if row.Country == "SE" {
			b.Subject.Personnummer = id
		} else {
			b.Subject.CPR = id
		}
	}
	if desc := values["description"]; desc != "" {
		b.Details = &cases.Details{Description: desc}
	}
	out, err := d.Cases.Register(ctx, nil, b, "")
	var fields cases.FieldErrors
	var malformed *cases.MalformedError
	if errors.As(err, &fields) || errors.As(err, &malformed) {
		return d.renderRequestForm(c, http.StatusUnprocessableEntity, values, fields, "")
	}
	if err != nil {
		return err
	}
	first := out.Requests[0]
	page := web.Receipt{Page: web.NewPage(c, "receipt.title"), Reference: first.Reference, Kind: first.Kind, DueOn: first.DueOn}
	if first.StatusToken != "" {
		page.StatusPath = "/status/" + first.StatusToken
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	return d.render(c, http.StatusCreated, "receipt", page)
}
