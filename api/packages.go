package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
)

// stream answers with a released package: the headers, then (unless the
// call is a HEAD, which logs nothing and uses up nothing) the package a
// sealed piece at a time, after the service logged the reading.
func (s *Server) stream(c echo.Context, d *cases.Download) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/zip")
	h.Set("Content-Disposition", `attachment; filename="`+d.Filename()+`"`)
	if isHead(c) {
		return c.NoContent(http.StatusOK)
	}
	// The access is logged before the header goes out: a failure there is
	// still an answer of its own.
	w := &lazyHeader{c: c}
	if err := d.Write(c.Request().Context(), w); err != nil && !w.started {
		return problem(err)
	}
	if !w.started {
		c.Response().WriteHeader(http.StatusOK)
	}
	return nil
}

// lazyHeader writes the 200 header with the first byte, so an error before
// any (the access log's) is still answered as a problem.
type lazyHeader struct {
	c       echo.Context
	started bool
}

func (w *lazyHeader) Write(b []byte) (int, error) {
	if !w.started {
		w.started = true
		w.c.Response().WriteHeader(http.StatusOK)
	}
	return w.c.Response().Write(b)
}

// statusPackage is GET /v1/status/{token}/package: the subject downloads
// the access or portability package of their letter, when the link alone
// releases it.
func (s *Server) statusPackage(c echo.Context) error {
	d, err := s.cases.StatusPackage(c.Request().Context(), c.Param("token"))
	if err != nil {
		return problem(err)
	}
	return s.stream(c, d)
}

// PackageCodeBody asks for a one-time code: an empty JSON object.
type PackageCodeBody struct{}

// PackageCodeSent says where a code went and until when it is valid.
type PackageCodeSent = cases.CodeSent

// postPackageCode is POST /v1/status/{token}/package/code.
func (s *Server) postPackageCode(c echo.Context) error {
	var b PackageCodeBody
	if err := decode(c, &b); err != nil {
		return err
	}
	sent, err := s.sendPackageCode(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, sent)
}

// sendPackageCode sends a new one-time code for the link's package.
func (s *Server) sendPackageCode(c echo.Context) (PackageCodeSent, error) {
	sent, err := s.cases.SendPackageCode(c.Request().Context(), c.Param("token"))
	return sent, problem(err)
}

// PackageDownloadBody is the one-time code that releases a package.
type PackageDownloadBody struct {
	Code string `json:"code"`
}

// postStatusPackage is POST /v1/status/{token}/package: the download with
// a one-time code.
func (s *Server) postStatusPackage(c echo.Context) error {
	var b PackageDownloadBody
	if err := decode(c, &b); err != nil {
		return err
	}
	return s.downloadWithCode(c, b.Code)
}

// downloadWithCode checks a one-time code and, when it is right, streams
// the package.
func (s *Server) downloadWithCode(c echo.Context, code string) error {
	d, err := s.cases.PackageWithCode(c.Request().Context(), c.Param("token"), code)
	if err != nil {
		return problem(err)
	}
	return s.stream(c, d)
}

// requestPackage is GET /v1/requests/{id}/package, for staff.
func (s *Server) requestPackage(c echo.Context) error {
	id, err := pathID(c, "id", "request")
	if err != nil {
		return err
	}
	d, err := s.cases.StaffPackage(c.Request().Context(), principal(c), id)
	if err != nil {
		return problem(err)
	}
	return s.stream(c, d)
}
