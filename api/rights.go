package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/rights"
)

// RightView is one right with the grounds on which it may be refused.
type RightView struct {
	Kind    string       `json:"kind"`
	Grounds []GroundView `json:"grounds"`
}

// GroundView is a refusal ground and what it means.
type GroundView struct {
	Ground      string `json:"ground"`
	Description string `json:"description"`
	PartialOnly bool   `json:"partial_only"`
}

// listRights tells a caseworker's form which grounds each right allows.
func (s *Server) listRights(c echo.Context) error {
	out := struct {
		Items []RightView `json:"items"`
	}{Items: []RightView{}}
	for _, k := range rights.Kinds {
		rv := RightView{Kind: string(k), Grounds: []GroundView{}}
		for _, g := range rights.GroundsFor(k) {
			rv.Grounds = append(rv.Grounds, GroundView{Ground: g, Description: rights.GroundDescription(k, g), PartialOnly: rights.PartialOnly(g)})
		}
		out.Items = append(out.Items, rv)
	}
	return c.JSON(http.StatusOK, out)
}
