// Package cases is rightsdesk's one service: both front doors, the JSON
// API (api/) and the pages (web/), call it and nothing else to register,
// list, read and act on requests. A door decodes, calls the service and
// encodes; the service owns the order of the rules (visibility by
// controller, validation, idempotency, then the workflow's Update); the
// workflow owns the rules themselves.
//
// Errors are typed (RuleError, FieldErrors, NotFoundError,
// UnavailableError, ConflictError, ForbiddenError, MalformedError): the API
// maps them to problem+json, the pages to words.
package cases

import (
	"log/slog"
	"slices"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
)

// Principal is who acts: a staff member (OIDC, a page's session) or a
// machine client (static token). The public has none (nil).
type Principal struct {
	// Actor is the opaque ID recorded in the audit log: the token's name or
	// the OIDC subject.
	Actor string
	Roles []string
	// Controllers the principal acts for; empty means every controller.
	Controllers []string
}

// Has reports whether the principal has one of the roles.
func (p *Principal) Has(roles ...string) bool {
	for _, r := range roles {
		if slices.Contains(p.Roles, r) {
			return true
		}
	}
	return false
}

// Can reports whether the principal may act for a controller.
func (p *Principal) Can(controllerID string) bool {
	return len(p.Controllers) == 0 || slices.Contains(p.Controllers, controllerID)
}

// StaffRoles are the roles of staff; CaseRoles those that act on a case
// (assignment goes only to them).
var (
	StaffRoles = []string{config.RoleCaseworker, config.RoleDPO, config.RoleAdmin}
	CaseRoles  = []string{config.RoleCaseworker, config.RoleAdmin}
)

// Deps are what the service needs.
type Deps struct {
	// Store is the database's queries: *store.Store.
	Store    Storer
	Temporal client.Client
	Keys     *crypto.Keyring
	Logger   *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// PublicURL is where citizens reach the pages (status links).
	PublicURL string
	// TaskQueue is where the request workflows run.
	TaskQueue string
	// TemporalTimeout bounds every call into Temporal; 0 means 10s.
	TemporalTimeout time.Duration
	// Tokens are the configured static tokens: their staff are in the
	// directory before they first call.
	Tokens []config.Token
	// Subjects open the persons' sealed data and register intakes:
	// *intake.Service over the same store and keys.
	Subjects Subjects
	// Outbox sends the one-time codes that release packages
	// (activities.Outbox); nil sends none.
	Outbox CodeSender
	// Systems reach the controllers' source systems (activities.Systems);
	// nil checks earlier requests only.
	Systems SourceSystems
}

// Service is the one service of both doors.
type Service struct {
	store     Storer
	temporal  client.Client
	keys      *crypto.Keyring
	log       *slog.Logger
	now       func() time.Time
	intake    Subjects
	directory *directory
	outbox    CodeSender
	systems   SourceSystems
	publicURL string
	taskQueue string
	timeout   time.Duration
}

// New builds the service.
func New(d Deps) *Service {
	s := &Service{store: d.Store, temporal: d.Temporal, keys: d.Keys, log: d.Logger, now: d.Now,
		intake: d.Subjects, outbox: d.Outbox, systems: d.Systems,
		publicURL: d.PublicURL, taskQueue: d.TaskQueue, timeout: d.TemporalTimeout}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.timeout <= 0 {
		s.timeout = 10 * time.Second
	}
	s.directory = newDirectory(d.Store, s.log, d.Tokens)
	return s
}

// Now is the service's clock: the one "now" of both doors.
func (s *Service) Now() time.Time { return s.now() }
