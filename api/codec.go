package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"go.temporal.io/sdk/converter"

	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
)

// codecRoutes serve the Temporal UI's codec server: POST /codec/decode and
// /codec/encode, for staff with the role dpo or admin (or anyone, for
// rightsdesk dev on localhost), from the configured browser origins.
func (s *Server) codecRoutes() {
	handler := http.StripPrefix("/codec", converter.NewPayloadCodecHTTPHandler(crypto.Codec{Keys: s.keys}))
	mws := []echo.MiddlewareFunc{}
	if origins := strings.TrimSpace(s.cfg.CodecCORSOrigins); origins != "" {
		mws = append(mws, middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:     strings.Split(origins, ","),
			AllowMethods:     []string{http.MethodPost, http.MethodOptions},
			AllowHeaders:     []string{"Content-Type", "Authorization", "X-Namespace"},
			AllowCredentials: true,
		}))
	}
	if !s.cfg.CodecAnonymous {
		mws = append(mws, s.staff(config.RoleDPO, config.RoleAdmin))
	}
	g := s.echo.Group("/codec", mws...)
	g.POST("/decode", echo.WrapHandler(handler))
	g.POST("/encode", echo.WrapHandler(handler))
}
