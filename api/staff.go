package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
)

var (
	staffRoles = cases.StaffRoles
	// caseRoles are the roles that act on a case: assignment goes only to them.
	caseRoles = cases.CaseRoles
)

// staffProfile is what a sign-in tells of a staff member, for the directory.
type staffProfile = cases.Profile

// profileOf reads the standard OIDC claims name, email and locale.
func profileOf(claims map[string]any) staffProfile {
	str := func(k string) string { v, _ := claims[k].(string); return strings.TrimSpace(v) }
	p := staffProfile{DisplayName: str("name"), Email: str("email"), Source: "oidc"}
	if lang, _, _ := strings.Cut(strings.ToLower(str("locale")), "-"); slices.Contains([]string{"da", "sv", "en"}, lang) {
		p.Language = lang
	}
	if len(p.DisplayName) > 300 {
		p.DisplayName = p.DisplayName[:300]
	}
	if len(p.Email) > 320 {
		p.Email = ""
	}
	return p
}

// StaffView is one staff member of the directory.
type StaffView = cases.StaffMember

// listStaff lists the staff who act for the controllers the caller acts
// for, to choose an assignee from.
func (s *Server) listStaff(c echo.Context) error {
	items, err := s.cases.ListStaff(c.Request().Context(), principal(c))
	if err != nil {
		return problem(err)
	}
	return c.JSON(http.StatusOK, struct {
		Items []StaffView `json:"items"`
	}{Items: items})
}
