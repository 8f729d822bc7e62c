package api

import (
	"net"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"go.temporal.io/sdk/converter"

	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
)

// codecRoutes serve the Temporal UI's codec server: POST /codec/decode and
// /codec/encode, from the configured browser origins, for staff with the
// role dpo or admin who may see every request (a payload does not say which
// request it belongs to). rightsdesk dev lets its own Temporal UI decode
// without a token, and only from this machine's loopback address.
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
	mws = append(mws, s.codecAccess)
	s.echo.POST("/codec/decode", echo.WrapHandler(handler), mws...)
	s.echo.POST("/codec/encode", echo.WrapHandler(handler), mws...)
	if len(mws) > 1 {
		// The browser's CORS preflight.
		s.echo.OPTIONS("/codec/decode", echo.WrapHandler(handler), mws[0])
		s.echo.OPTIONS("/codec/encode", echo.WrapHandler(handler), mws[0])
	}
}

// codecAccess lets through an anonymous caller on loopback when the
// configuration allows it (rightsdesk dev), and otherwise only a dpo or
// admin who acts for every controller.
func (s *Server) codecAccess(next echo.HandlerFunc) echo.HandlerFunc {
	staff := s.staff(config.RoleDPO, config.RoleAdmin)(func(c echo.Context) error {
		if p := principal(c); len(p.Controllers) > 0 {
			return NewProblem(http.StatusForbidden, "forbidden", "decoding needs access to every controller: a payload does not say which request it belongs to")
		}
		return next(c)
	})
	return func(c echo.Context) error {
		if s.cfg.CodecAnonymous && c.Request().Header.Get(echo.HeaderAuthorization) == "" && fromLoopback(c.Request()) {
			return next(c)
		}
		return staff(c)
	}
}

// fromLoopback reports whether the connection itself comes from this
// machine (no forwarded header is believed).
func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
