package staff

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/httpx"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/web"
)

// registerFields are the register form's fields, by the intake's pointers.
var registerFields = map[string]string{
	"/controller": "controller", "/kind": "kind", "/channel": "channel", "/received_at": "received_at", "/language": "language",
	"/subject/name": "name", "/subject/email": "email", "/subject/phone": "phone", "/subject/address": "address", "/subject": "email",
	"/subject/cpr": "national_id", "/subject/personnummer": "national_id", "/details/description": "description",
}

// registerPage is the form for a request received by letter, phone,
// e-mail or in person, with its real day of receipt.
func (d *Door) registerPage(c echo.Context) error {
	return d.renderRegister(c, http.StatusOK, map[string]string{"received_at": deadline.Today(d.Cases.Now(), time.UTC).Format(time.DateOnly)}, nil)
}

func (d *Door) renderRegister(c echo.Context, status int, values map[string]string, refusal error) error {
	page := web.RegisterPage{Page: staffBase(c, "register.title"), CSRF: httpx.Token(c), Key: uuid.NewString(), Values: values,
		Invalid: map[string]bool{}, Channels: []string{"letter", "phone", "email", "in_person", "digital_post"}}
	for _, k := range rights.Kinds {
		page.Kinds = append(page.Kinds, string(k))
	}
	rows, err := d.Cases.Controllers(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	for _, r := range rows {
		page.Controllers = append(page.Controllers, web.Person{ID: r.ID, Name: r.Name})
	}
	slices.SortStableFunc(page.Controllers, func(a, b web.Person) int { return strings.Compare(a.Name, b.Name) })
	if refusal != nil {
		fields, _ := asFields(refusal)
		if len(fields) == 0 {
			page.Errors = append(page.Errors, web.FormError{Message: web.Refusal(page.T, refusal)})
		}
		for _, fe := range fields {
			field := registerFields[fe.Pointer]
			msg := web.FieldWord(page.T, field, fe)
			if field != "" {
				page.Invalid[field] = true
			}
			if slices.ContainsFunc(page.Errors, func(e web.FormError) bool { return e.Message == msg }) {
				continue // one line for two errors of the same words
			}
			page.Errors = append(page.Errors, web.FormError{Field: field, Message: msg})
		}
	}
	return d.render(c, status, "register", page)
}

// registerPost registers the request through the same intake as POST
// /v1/requests, as the signed-in caseworker.
func (d *Door) registerPost(c echo.Context) error {
	values := map[string]string{}
	for _, f := range []string{"controller", "kind", "channel", "received_at", "language", "name", "email", "phone", "address", "national_id", "description"} {
		values[f] = c.FormValue(f)
	}
	b := cases.Intake{Controller: values["controller"], Kind: values["kind"], Channel: values["channel"], ReceivedAt: values["received_at"],
		Language: values["language"], Subject: cases.IntakeSubject{Name: values["name"], Email: values["email"], Phone: values["phone"], Address: values["address"]}}
	ctx, p := c.Request().Context(), actor(c)
	if id := values["national_id"]; id != "" {
		// The number is a CPR number or a personnummer by the controller's
		// country; an unknown controller is the intake's to refuse.
		ct, err := d.Cases.Controller(ctx, p, b.Controller)
		if err != nil && web.Status(err) != http.StatusNotFound {
			return err
		}
		if ct.Country == "SE" {
			b.Subject.Personnummer = id
		} else {
			b.Subject.CPR = id
		}
	}
	if desc := values["description"]; desc != "" {
		b.Details = &cases.Details{Description: desc}
	}
	out, err := d.Cases.Register(ctx, p, b, c.FormValue("_key"))
	if status := web.Status(err); status > 0 && status < 500 {
		return d.renderRegister(c, status, values, err)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/staff/requests/"+out.Requests[0].ID.String()+"?done=registered")
}
