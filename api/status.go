package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
)

// StatusView is what the subject sees of a request: its stage and dates,
// nothing internal.
type StatusView struct {
	Reference      string  `json:"reference"`
	Kind           string  `json:"kind"`
	Stage          string  `json:"stage"`
	ReceivedAt     string  `json:"received_at"`
	DueAt          *string `json:"due_at"`
	StatutoryDueAt *string `json:"statutory_due_at"`
	ExtendedDueAt  *string `json:"extended_due_at"`
	WaitingForYou  bool    `json:"waiting_for_you"`
	Closed         bool    `json:"closed"`
	// Package is the request's access or portability package, while it
	// can be downloaded or after an erasure destroyed it.
	Package *PackageStatus `json:"package,omitempty"`
}

// PackageStatus is how the subject gets a request's package.
type PackageStatus struct {
	// Until is the last day it can be downloaded.
	Until string `json:"until,omitempty"`
	// CodeBy is set when the link alone does not release the package: the
	// channel a one-time code goes by (digital_post, se_digital_mail,
	// email).
	CodeBy string `json:"code_by,omitempty"`
	// NotByLink is set when it needs a code and the person has no channel
	// for one: they ask the controller for it.
	NotByLink bool `json:"not_by_link,omitempty"`
	// Destroyed is set when an erasure of the data it held destroyed it.
	Destroyed bool `json:"destroyed,omitempty"`
}

func packageStatus(p *cases.PackageState) *PackageStatus {
	if p == nil {
		return nil
	}
	v := &PackageStatus{CodeBy: p.CodeBy, NotByLink: p.NotByLink, Destroyed: p.Destroyed}
	if !p.Until.IsZero() {
		v.Until = dateOf(p.Until)
	}
	return v
}

// StatusResponse lists the requests of one letter.
type StatusResponse struct {
	Requests []StatusView `json:"requests"`
}

func (s *Server) getStatus(c echo.Context) error {
	items, err := s.cases.Status(c.Request().Context(), c.Param("token"))
	if err != nil {
		return problem(err)
	}
	out := StatusResponse{Requests: []StatusView{}}
	for _, it := range items {
		r := it.Request
		out.Requests = append(out.Requests, StatusView{
			Reference: r.Reference, Kind: r.Kind, Stage: r.Stage, ReceivedAt: dateOf(r.ReceivedOn), DueAt: dateOfPtr(r.DueOn),
			StatutoryDueAt: dateOfPtr(r.StatutoryDueOn), ExtendedDueAt: dateOfPtr(r.ExtendedDueOn),
			WaitingForYou: it.WaitingForYou, Closed: it.Closed, Package: packageStatus(it.Package),
		})
	}
	return c.JSON(http.StatusOK, out)
}

// StatusInformationBody is the subject's answer to an information request.
type StatusInformationBody struct {
	Answer string `json:"answer"`
}

func (s *Server) postStatusInformation(c echo.Context) error {
	var b StatusInformationBody
	if err := decode(c, &b); err != nil {
		return err
	}
	err := s.cases.StatusAnswer(c.Request().Context(), c.Param("token"), c.Request().Header.Get("Idempotency-Key"), b.Answer)
	if err != nil {
		return problem(err)
	}
	return s.getStatus(c)
}

// StatusWithdrawBody is the subject's withdrawal: an empty JSON object.
// A JSON body with its content type is required, so that a form on another
// site, or a no-cors fetch, cannot withdraw a request.
type StatusWithdrawBody struct{}

func (s *Server) postStatusWithdraw(c echo.Context) error {
	var b StatusWithdrawBody
	if err := decode(c, &b); err != nil {
		return err
	}
	if err := s.cases.StatusWithdraw(c.Request().Context(), c.Param("token"), c.Request().Header.Get("Idempotency-Key")); err != nil {
		return problem(err)
	}
	return s.getStatus(c)
}
