// Package devstack embeds a Temporal server (SQLite-backed, with its Web UI)
// in the process, the way the Temporal CLI's dev server does. It is the only
// package that links the Temporal server: import it from `rightsdesk dev` and
// the test harness only, since linking it is slow.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uiserveroptions "github.com/temporalio/ui-server/v2/server/server_options"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	tlog "go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"

	"github.com/rightsdesk/rightsdesk/internal/devtools/pgcluster"
)

const (
	localhost   = "127.0.0.1"
	clusterName = "active"
)

// TemporalOptions configure an embedded Temporal server.
type TemporalOptions struct {
	// DatabaseFile is the SQLite file; empty keeps everything in memory.
	DatabaseFile string
	// Port of the frontend gRPC service; 0 picks a free one.
	Port int
	// UIPort of the Web UI; 0 picks a free one, -1 runs no UI.
	UIPort int
	// UICodecEndpoint is the codec server the Web UI uses to decode payloads.
	UICodecEndpoint string
	// Namespace to create (default "default").
	Namespace string
	// SearchAttributes to register on the namespace.
	SearchAttributes map[string]enumspb.IndexedValueType
	// Logger receives the server's warnings and errors.
	Logger *slog.Logger
}

// Temporal is a running embedded Temporal server.
type Temporal struct {
	server    temporal.Server
	ui        *uiserver.Server
	address   string
	uiAddress string
	namespace string
	quiet     *atomic.Bool
}

// StartTemporal builds and starts the server, creates the namespace and
// registers its search attributes.
func StartTemporal(ctx context.Context, opts TemporalOptions) (*Temporal, error) {
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	ports, err := freePorts(5)
	if err != nil {
		return nil, err
	}
	if opts.Port == 0 {
		opts.Port = ports[0]
	}
	frontend := net.JoinHostPort(localhost, strconv.Itoa(opts.Port))
	conf, hosts, err := serverConfig(opts, frontend, ports[1:])
	if err != nil {
		return nil, err
	}

	logger := slogLogger{log: opts.Logger, quiet: &atomic.Bool{}}
	authorizer, err := authorization.GetAuthorizerFromConfig(&conf.Global.Authorization)
	if err != nil {
		return nil, fmt.Errorf("devstack: authorizer: %w", err)
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&conf.Global.Authorization, logger)
	if err != nil {
		return nil, fmt.Errorf("devstack: claim mapper: %w", err)
	}
	dyn := dynamicconfig.StaticClient{
		// One task-queue partition: with the default four, a single worker
		// completes less than half as many workflows on a small machine.
		dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():           1,
		dynamicconfig.MatchingNumTaskqueueWritePartitions.Key():          1,
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
	}
	server, err := temporal.NewServer(
		temporal.WithConfig(conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(hosts),
		temporal.WithLogger(logger),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
		temporal.WithDynamicConfigClient(dyn),
	)
	if err != nil {
		return nil, fmt.Errorf("devstack: build temporal server: %w", err)
	}
	if err := server.Start(); err != nil {
		return nil, fmt.Errorf("devstack: start temporal server: %w", err)
	}
	t := &Temporal{server: server, address: frontend, namespace: opts.Namespace, quiet: logger.quiet}

	if err := t.registerSearchAttributes(ctx, opts.SearchAttributes); err != nil {
		t.Stop()
		return nil, err
	}

	if opts.UIPort >= 0 {
		if err := t.startUI(opts); err != nil {
			t.Stop()
			return nil, err
		}
	}
	return t, nil
}

// serverConfig is the server's configuration on SQLite with one history
// shard, its frontend at frontend and its other services on ports (frontend
// HTTP, history, matching, worker), and where each service is found.
func serverConfig(opts TemporalOptions, frontend string, ports []int) (*config.Config, map[primitives.ServiceName]static.Hosts, error) {
	frontendHTTP, historyPort, matchingPort, workerPort := ports[0], ports[1], ports[2], ports[3]
	sqlConf, err := sqliteConfig(opts)
	if err != nil {
		return nil, nil, err
	}
	hostPort := func(p int) string { return net.JoinHostPort(localhost, strconv.Itoa(p)) }

	conf := &config.Config{}
	conf.Global.Membership.MaxJoinDuration = 30 * time.Second
	conf.Global.Membership.BroadcastAddress = localhost
	conf.Persistence.DefaultStore = "sqlite-default"
	conf.Persistence.VisibilityStore = "sqlite-default"
	conf.Persistence.NumHistoryShards = 1
	conf.Persistence.DataStores = map[string]config.DataStore{"sqlite-default": {SQL: sqlConf}}
	conf.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             frontend,
				HTTPAddress:            hostPort(frontendHTTP),
				ClusterID:              "6d7e2f0b-3c5a-4c8e-9a47-2a0e3f7b9c11",
			},
		},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	svc := func(grpcPort, httpPort int) config.Service {
		var s config.Service
		s.RPC.GRPCPort = grpcPort
		s.RPC.HTTPPort = httpPort
		s.RPC.BindOnIP = localhost
		return s
	}
	conf.Services = map[string]config.Service{
		"frontend": svc(opts.Port, frontendHTTP),
		"history":  svc(historyPort, 0),
		"matching": svc(matchingPort, 0),
		"worker":   svc(workerPort, 0),
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	conf.PublicClient.HostPort = frontend

	hosts := map[primitives.ServiceName]static.Hosts{
		primitives.FrontendService: static.SingleLocalHost(frontend),
		primitives.HistoryService:  static.SingleLocalHost(hostPort(historyPort)),
		primitives.MatchingService: static.SingleLocalHost(hostPort(matchingPort)),
		primitives.WorkerService:   static.SingleLocalHost(hostPort(workerPort)),
	}
	return conf, hosts, nil
}

// startUI starts the Temporal Web UI in front of the server, on opts.UIPort
// (a free port when 0).
func (t *Temporal) startUI(opts TemporalOptions) error {
	if opts.UIPort == 0 {
		var err error
		if opts.UIPort, err = freePort(); err != nil {
			return err
		}
	}
	t.uiAddress = net.JoinHostPort(localhost, strconv.Itoa(opts.UIPort))
	t.ui = uiserver.NewServer(uiserveroptions.WithConfigProvider(&uiconfig.Config{
		Host:                localhost,
		Port:                opts.UIPort,
		TemporalGRPCAddress: t.address,
		EnableUI:            true,
		DefaultNamespace:    opts.Namespace,
		Codec:               uiconfig.Codec{Endpoint: opts.UICodecEndpoint},
		CORS:                uiconfig.CORS{CookieInsecure: true},
		HideLogs:            true,
		DisableNewsFetch:    true,
	}))
	ui := t.ui
	go func() {
		if err := ui.Start(); err != nil && !errors.Is(err, net.ErrClosed) {
			opts.Logger.Error("temporal web UI stopped", "error", err)
		}
	}()
	return nil
}

// Address is the frontend's host:port for Temporal clients.
func (t *Temporal) Address() string { return t.address }

// UIAddress is the Web UI's host:port, empty when it runs no UI.
func (t *Temporal) UIAddress() string { return t.uiAddress }

// Namespace is the namespace the server was started with.
func (t *Temporal) Namespace() string { return t.namespace }

// Stop stops the UI and the server.
func (t *Temporal) Stop() {
	t.quiet.Store(true)
	if t.ui != nil {
		t.ui.Stop()
	}
	t.server.Stop()
}

func (t *Temporal) registerSearchAttributes(ctx context.Context, attrs map[string]enumspb.IndexedValueType) error {
	c, err := client.Dial(client.Options{HostPort: t.address, Namespace: t.namespace, Logger: quietSDKLogger{}})
	if err != nil {
		return fmt.Errorf("devstack: dial embedded temporal: %w", err)
	}
	defer c.Close()
	if len(attrs) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	existing, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: t.namespace})
	if err != nil {
		return fmt.Errorf("devstack: list search attributes: %w", err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range attrs {
		if _, ok := existing.GetCustomAttributes()[name]; !ok {
			missing[name] = typ
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: t.namespace, SearchAttributes: missing,
	})
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("devstack: register search attributes: %w", err)
	}
	return nil
}

func sqliteConfig(opts TemporalOptions) (*config.SQL, error) {
	conf := &config.SQL{PluginName: sqliteplugin.PluginName}
	if opts.DatabaseFile == "" {
		conf.ConnectAttributes = map[string]string{"mode": "memory", "cache": "shared"}
		conf.DatabaseName = "rightsdesk-" + strconv.Itoa(rand.IntN(1<<30))
	} else {
		// No leading underscores: the SQLite plugin silently ignores them.
		conf.ConnectAttributes = map[string]string{"mode": "rwc", "journal_mode": "wal", "synchronous": "NORMAL"}
		conf.DatabaseName = opts.DatabaseFile
	}
	// More connections only produce "database is locked" retries.
	conf.MaxConns = 1
	conf.MaxIdleConns = 1
	if opts.DatabaseFile != "" {
		if _, err := os.Stat(opts.DatabaseFile); errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(filepath.Dir(opts.DatabaseFile), 0o755); err != nil {
				return nil, fmt.Errorf("devstack: %w", err)
			}
			if err := sqliteschema.SetupSchema(conf); err != nil {
				return nil, fmt.Errorf("devstack: set up temporal schema: %w", err)
			}
		}
	}
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, opts.Namespace, false, opts.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("devstack: namespace config: %w", err)
	}
	if err := sqliteschema.CreateNamespaces(conf, ns); err != nil {
		return nil, fmt.Errorf("devstack: create namespace: %w", err)
	}
	return conf, nil
}

func freePort() (int, error) { return pgcluster.FreePort() }

func freePorts(n int) ([]int, error) { return pgcluster.FreePorts(n) }

// slogLogger adapts slog to the Temporal server's logger, passing on
// warnings and errors only: the server is chatty at info level.
type slogLogger struct {
	log *slog.Logger
	// quiet drops warnings once the server is stopping: shutdown makes
	// harmless noise (polls cut off, dials cancelled).
	quiet *atomic.Bool
}

var _ tlog.Logger = slogLogger{}

func (s slogLogger) Debug(string, ...tag.Tag) {}
func (s slogLogger) Info(string, ...tag.Tag)  {}
func (s slogLogger) Warn(msg string, tags ...tag.Tag) {
	s.emit(slog.LevelWarn, msg, tags)
}
func (s slogLogger) Error(msg string, tags ...tag.Tag)  { s.emit(slog.LevelError, msg, tags) }
func (s slogLogger) DPanic(msg string, tags ...tag.Tag) { s.emit(slog.LevelError, msg, tags) }
func (s slogLogger) Panic(msg string, tags ...tag.Tag)  { s.emit(slog.LevelError, msg, tags) }
func (s slogLogger) Fatal(msg string, tags ...tag.Tag)  { s.emit(slog.LevelError, msg, tags) }

func (s slogLogger) emit(level slog.Level, msg string, tags []tag.Tag) {
	if s.quiet.Load() && level < slog.LevelError {
		return
	}
	attrs := make([]slog.Attr, 0, len(tags)+1)
	attrs = append(attrs, slog.String("component", "temporal-server"))
	for _, t := range tags {
		attrs = append(attrs, slog.Any(t.Key(), t.Value()))
	}
	s.log.LogAttrs(context.Background(), level, msg, attrs...)
}

// quietSDKLogger silences the short-lived admin client.
type quietSDKLogger struct{}

func (quietSDKLogger) Debug(string, ...any) {}
func (quietSDKLogger) Info(string, ...any)  {}
func (quietSDKLogger) Warn(string, ...any)  {}
func (quietSDKLogger) Error(string, ...any) {}
