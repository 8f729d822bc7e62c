package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

var staffRoles = []string{config.RoleCaseworker, config.RoleDPO, config.RoleAdmin}

// AccessView is one reading of the subject's data.
type AccessView struct {
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	What  string    `json:"what"`
	// Factor is what allowed a package download: link, link+code:<channel>
	// or staff.
	Factor *string `json:"factor,omitempty"`
}

// accessLog tells the DPO who read a request's personal data, and when.
func (s *Server) accessLog(c echo.Context) error {
	r, err := s.visibleRequest(c, principal(c))
	if err != nil {
		return err
	}
	var rows []store.Access
	if err := s.store.DB.WithContext(c.Request().Context()).Where("request_id = ?", r.ID).Order("at, id").Find(&rows).Error; err != nil {
		return s.storeError(err)
	}
	out := struct {
		Items []AccessView `json:"items"`
	}{Items: []AccessView{}}
	for _, a := range rows {
		out.Items = append(out.Items, AccessView{At: a.At, Actor: a.Actor, What: a.What, Factor: a.Factor})
	}
	return c.JSON(http.StatusOK, out)
}
