package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
)

// Figures are LEGAL.md §6's figures for a set of requests.
type Figures = cases.Figures

// Summary is the DPO's report for a period of receipt.
type Summary = cases.Summary

func (s *Server) reportSummary(c echo.Context) error {
	var errs fieldErrors
	for k := range c.QueryParams() {
		if k != "from" && k != "to" {
			errs.add("/query/"+k, "unknown parameter")
		}
	}
	if err := errs.problem(); err != nil {
		return err
	}
	out, err := s.cases.Summary(c.Request().Context(), principal(c), c.QueryParam("from"), c.QueryParam("to"))
	if err != nil {
		return problem(err)
	}
	return c.JSON(http.StatusOK, out)
}
