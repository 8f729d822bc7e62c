// Package api is rightsdesk's HTTP API: Echo, problem+json errors,
// authentication, and the handlers that turn calls into workflow messages.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/httpx"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// Deps are what the API needs.
type Deps struct {
	Config   config.Config
	Store    *store.Store
	Temporal client.Client
	Keys     *crypto.Keyring
	Logger   *slog.Logger
	// Now is the clock; nil means time.Now. Tests set it to check what
	// "today" means in a controller's time zone.
	Now func() time.Time
	// SystemSecrets verify http systems' callbacks, by system ID; nil
	// reads RIGHTSDESK_SYSTEM_<ID>_SECRET.
	SystemSecrets map[string]string
	// Outbox sends the one-time codes that release packages; nil sends
	// none (a package that needs one is then not released by link).
	Outbox cases.CodeSender
	// Systems reach the controllers' source systems, where an identity
	// method that claims a known address is checked; nil checks earlier
	// requests only.
	Systems cases.SourceSystems
}

// Server is the HTTP API.
type Server struct {
	cfg      config.Config
	store    *store.Store
	temporal client.Client
	log      *slog.Logger
	echo     *echo.Echo
	registry *prometheus.Registry
	auth     *authenticator
	keys     *crypto.Keyring
	// cases is the one service the handlers call.
	cases *cases.Service
	now   func() time.Time
	// systemSecrets verify the callbacks of http systems.
	systemSecrets map[string]string
	// actions are the caseworker actions' handlers by route name.
	actions map[string]echo.HandlerFunc
}

// New builds the API with its routes and middleware.
func New(d Deps) (*Server, error) {
	logger := d.Logger
	if logger == nil {
		logger = slog.Default()
	}
	auth, err := newAuthenticator(d.Config)
	if err != nil {
		return nil, err
	}
	if d.Keys == nil {
		return nil, errors.New("api: no keyring: personal data cannot be stored")
	}
	if d.Config.TemporalTimeout <= 0 {
		d.Config.TemporalTimeout = 10 * time.Second
	}
	tokens, _ := config.ParseTokens(d.Config.APITokens) // parsed without error by newAuthenticator
	s := &Server{cfg: d.Config, store: d.Store, temporal: d.Temporal, log: logger, registry: prometheus.NewRegistry(),
		auth: auth, keys: d.Keys, now: d.Now}
	if s.now == nil {
		s.now = time.Now
	}
	s.cases = cases.New(cases.Deps{Store: d.Store, Temporal: d.Temporal, Keys: d.Keys, Logger: logger, Now: s.now,
		PublicURL: d.Config.PublicURL, TaskQueue: d.Config.TaskQueue, TemporalTimeout: d.Config.TemporalTimeout, Tokens: tokens,
		Subjects: &intake.Service{Store: d.Store, Keys: d.Keys}, Outbox: d.Outbox, Systems: d.Systems})
	if !httpx.CookiesFor(d.Config.PublicURL).Secure && !loopbackURL(d.Config.PublicURL) {
		logger.Warn("the public URL is not https: the web UI's cookies are sent without Secure and the __Host- prefix", "public_url", d.Config.PublicURL)
	}
	s.systemSecrets = d.SystemSecrets
	if s.systemSecrets == nil {
		s.systemSecrets = config.SystemSecrets()
	}
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	// A client's address is the connection's, unless it comes through a
	// trusted proxy: otherwise X-Forwarded-For would let anyone dodge the
	// rate limit.
	e.IPExtractor = echo.ExtractIPDirect()
	if ranges, _ := d.Config.ProxyRanges(); len(ranges) > 0 {
		opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, r := range ranges {
			opts = append(opts, echo.TrustIPRange(r))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(opts...)
	}
	e.Use(middleware.RequestID())
	e.Use(s.securityHeaders)
	e.Use(s.requestLogger())
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			logger.Error("panic", "request_id", requestID(c), "route", c.Path(), "error", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(s.metrics())
	e.Use(middleware.BodyLimit(d.Config.BodyLimit))
	s.echo = e
	s.routes()
	return s, nil
}

// Handler is the API as an http.Handler, for tests and embedding.
func (s *Server) Handler() http.Handler { return headAsGet{s.echo} }

// Cases is the service the API calls, for the pages to share.
func (s *Server) Cases() *cases.Service { return s.cases }

// Echo exposes the router, for packages that add routes.
func (s *Server) Echo() *echo.Echo { return s.echo }

func (s *Server) routes() {
	e := s.echo
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})))
	e.GET("/openapi.json", s.openAPI)

	public := s.publicOrStaff
	v1 := e.Group("/v1")
	v1.POST("/requests", s.createRequest, public)

	// Middleware goes on each route, not on groups: a group's middleware
	// makes Echo add catch-all routes that answer 404 where 405 is right.
	staff := s.staff(staffRoles...)
	v1.GET("/requests", s.listRequests, staff)
	v1.GET("/requests/:id", s.getRequest, staff)
	v1.POST("/requests/search", s.searchRequests, staff)
	v1.GET("/requests/:id/access-log", s.accessLog, s.staff(config.RoleDPO, config.RoleAdmin))
	v1.GET("/requests/:id/package", s.requestPackage, staff)
	v1.GET("/requests/:id/identifier-matches", s.identifierMatches, staff)
	s.actionRoutes(v1.Group("/requests"), s.staff(config.RoleCaseworker, config.RoleAdmin))
	s.letterRoutes(v1.Group("/requests"), staff, s.staff(config.RoleCaseworker, config.RoleAdmin))

	v1.GET("/rights", s.listRights, staff)
	v1.GET("/staff", s.listStaff, staff)
	v1.GET("/controllers/:id/data-map", s.dataMap, staff)
	v1.POST("/systems/:system/callback", s.systemCallback, public)
	v1.GET("/tasks", s.listTasks, staff)
	v1.POST("/tasks/:id/claim", s.taskAction(workflows.UpdateClaimTask), s.staff(config.RoleCaseworker, config.RoleAdmin))
	v1.POST("/tasks/:id/complete", s.taskAction(workflows.UpdateCompleteTask), s.staff(config.RoleCaseworker, config.RoleAdmin))

	v1.GET("/status/:token", s.getStatus, public)
	v1.GET("/status/:token/package", s.statusPackage, public)
	v1.POST("/status/:token/package", s.postStatusPackage, public)
	v1.POST("/status/:token/package/code", s.postPackageCode, public)
	v1.POST("/status/:token/information", s.postStatusInformation, public)
	v1.POST("/status/:token/withdraw", s.postStatusWithdraw, public)

	v1.GET("/reports/summary", s.reportSummary, s.staff(config.RoleDPO, config.RoleAdmin))

	s.codecRoutes()
}

// healthz says the process is alive.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz says whether PostgreSQL and Temporal answer.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{"postgres": "ok", "temporal": "ok"}
	failed := s.cases.Ready(ctx)
	for _, f := range failed {
		checks[f] = "unreachable"
	}
	if len(failed) > 0 {
		s.log.Warn("not ready", "failed", failed)
		p := Unavailable("not ready: "+strings.Join(failed, ", ")+" unreachable", 5)
		return p
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ready", "checks": checks})
}

// requestLogger logs one line per request: method, route template (never the
// raw URL, which may carry a status token), status, latency and request ID.
func (s *Server) requestLogger() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogLatency: true, LogMethod: true, LogRequestID: true, LogRoutePath: true,
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			s.log.LogAttrs(context.Background(), level, "http",
				slog.String("method", v.Method), slog.String("route", v.RoutePath),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency),
				slog.String("request_id", v.RequestID))
			return nil
		},
	})
}

// metrics counts requests and their latency by route template and status.
func (s *Server) metrics() echo.MiddlewareFunc {
	requests := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rightsdesk_http_request_duration_seconds",
		Help:    "HTTP request latency by route and status.",
		Buckets: prometheus.DefBuckets,
	}, []string{"method", "route", "status"})
	s.registry.MustRegister(requests)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			status := c.Response().Status
			if err != nil {
				var he *echo.HTTPError
				var p *Problem
				switch {
				case errors.As(err, &p):
					status = p.Status
				case errors.As(err, &he):
					status = he.Code
				default:
					status = http.StatusInternalServerError
				}
			}
			// Labels come from a fixed set, so anonymous callers cannot grow
			// the metric without bound: route templates, known methods.
			route := c.Path()
			var he *echo.HTTPError
			if route == "" || (errors.As(err, &he) && (he.Code == http.StatusNotFound || he.Code == http.StatusMethodNotAllowed)) {
				route = "unmatched"
			}
			requests.WithLabelValues(methodLabel(c), route, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
			return err
		}
	}
}

// Serve answers on ln until ctx ends, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	return nil
}

type headKey struct{}

// headAsGet answers HEAD wherever GET is served (RFC 9110 §9.3.2): the
// request is routed as GET, and net/http, which still sees the original
// HEAD, sends no body.
type headAsGet struct{ next http.Handler }

func (h headAsGet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		r = r.WithContext(context.WithValue(r.Context(), headKey{}, true))
		r.Method = http.MethodGet
	}
	h.next.ServeHTTP(w, r)
}

func isHead(c echo.Context) bool {
	head, _ := c.Request().Context().Value(headKey{}).(bool)
	return head || c.Request().Method == http.MethodHead
}

// methodLabel is the request's method as a metric label: a known method, or "other".
func methodLabel(c echo.Context) string {
	if isHead(c) {
		return http.MethodHead
	}
	switch m := c.Request().Method; m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}
