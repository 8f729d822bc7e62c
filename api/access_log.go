package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

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
	id, err := pathID(c, "id", "request")
	if err != nil {
		return err
	}
	rows, err := s.cases.AccessLog(c.Request().Context(), principal(c), id)
	if err != nil {
		return problem(err)
	}
	out := struct {
		Items []AccessView `json:"items"`
	}{Items: []AccessView{}}
	for _, a := range rows {
		out.Items = append(out.Items, AccessView{At: a.At, Actor: a.Actor, What: a.What, Factor: a.Factor})
	}
	return c.JSON(http.StatusOK, out)
}
