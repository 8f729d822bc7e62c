package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/activities"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// streamPackage answers with a request's package, a sealed piece at a
// time, after logging the reading.
func (s *Server) streamPackage(c echo.Context, r store.Request, actor string) error {
	ctx := c.Request().Context()
	var p store.Package
	if err := s.store.DB.WithContext(ctx).Limit(1).Find(&p, "request_id = ? AND complete AND expires_at > now()", r.ID).Error; err != nil {
		return s.storeError(err)
	}
	if !p.Complete {
		return NewProblem(http.StatusNotFound, "not-found", "there is no package to download (none was made, or it has expired)")
	}
	if err := s.store.DB.WithContext(ctx).Create(&store.Access{RequestID: r.ID, Actor: actor, What: "package"}).Error; err != nil {
		return s.storeError(err)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/zip")
	h.Set("Content-Disposition", `attachment; filename="`+r.Reference+`.zip"`)
	c.Response().WriteHeader(http.StatusOK)
	if _, err := activities.ReadPackage(ctx, s.store.DB, s.intake, r, c.Response()); err != nil {
		// The header is out: the download breaks off, and the log says why.
		s.log.Error("package download", "request_id", r.ID, "error", err)
	}
	return nil
}

// statusPackage is GET /v1/status/{token}/package: the subject downloads
// the access or portability package of their letter.
func (s *Server) statusPackage(c echo.Context) error {
	rows, err := s.statusRequests(c)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r.Kind == "access" || r.Kind == "portability" {
			var n int64
			if err := s.store.DB.WithContext(c.Request().Context()).Model(&store.Package{}).
				Where("request_id = ? AND complete AND expires_at > now()", r.ID).Count(&n).Error; err != nil {
				return s.storeError(err)
			}
			if n > 0 {
				return s.streamPackage(c, r, "subject")
			}
		}
	}
	return NewProblem(http.StatusNotFound, "not-found", "there is no package to download (none was made, or it has expired)")
}

// requestPackage is GET /v1/requests/{id}/package, for staff.
func (s *Server) requestPackage(c echo.Context) error {
	p := principal(c)
	r, err := s.visibleRequest(c, p)
	if err != nil {
		return err
	}
	return s.streamPackage(c, r, p.Actor)
}
