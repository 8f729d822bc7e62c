package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/identifiers"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// SearchBody finds every request of a person by any identifier they gave.
// It is a POST, so the identifiers never appear in a URL or an access log.
type SearchBody struct {
	Email        string `json:"email,omitempty"`
	CPR          string `json:"cpr,omitempty"`
	Personnummer string `json:"personnummer,omitempty"`
	Phone        string `json:"phone,omitempty"`
}

// searchRequests looks the identifiers up through the blind index (nothing
// is decrypted; e-mail case-insensitively) and returns the requests of every
// subject that gave any of them, in the controllers the caller acts for.
func (s *Server) searchRequests(c echo.Context) error {
	p := principal(c)
	var b SearchBody
	if err := decode(c, &b); err != nil {
		return err
	}
	var errs fieldErrors
	type ident struct{ kind, value string }
	var ids []ident
	today := s.now()
	if v := strings.TrimSpace(b.Email); v != "" {
		ids = append(ids, ident{"email", intake.NormalizeEmail(v)})
	}
	if v := strings.TrimSpace(b.CPR); v != "" {
		if id, err := identifiers.ParseCPR(v, today); err != nil {
			errs.add("/cpr", "%s", strings.TrimPrefix(err.Error(), "CPR number: "))
		} else {
			ids = append(ids, ident{id.Kind, id.Normalized})
		}
	}
	if v := strings.TrimSpace(b.Personnummer); v != "" {
		if id, err := identifiers.ParsePersonnummer(v, today); err != nil {
			errs.add("/personnummer", "%s", err.Error())
		} else {
			ids = append(ids, ident{id.Kind, id.Normalized})
		}
	}
	if v := intake.NormalizePhone(b.Phone); v != "" {
		ids = append(ids, ident{"phone", v})
	}
	if len(ids) == 0 && len(errs) == 0 {
		errs.add("", "give at least one of email, cpr, personnummer, phone")
	}
	if err := errs.problem(); err != nil {
		return err
	}
	db := s.store.DB.WithContext(c.Request().Context())
	q := db.Model(&store.Request{})
	cond := db
	for i, id := range ids {
		clause := "subject_id IN (SELECT subject_id FROM subject_identifiers WHERE kind = ? AND blind_index = ?)"
		if i == 0 {
			cond = cond.Where(clause, id.kind, s.keys.BlindIndex(id.kind, id.value))
		} else {
			cond = cond.Or(clause, id.kind, s.keys.BlindIndex(id.kind, id.value))
		}
	}
	var rows []store.Request
	if err := scoped(q.Where(cond), p, "controller_id").Order("received_on, id").Limit(500).Find(&rows).Error; err != nil {
		return s.storeError(err)
	}
	out := RequestList{Items: []RequestView{}}
	for _, r := range rows {
		// Finding a person's requests is a reading of their data: log it.
		if err := db.Create(&store.Access{RequestID: r.ID, Actor: p.Actor, What: "search"}).Error; err != nil {
			return s.storeError(err)
		}
		out.Items = append(out.Items, requestView(r))
	}
	return c.JSON(http.StatusOK, out)
}
