// Package testenv gives integration tests the real stack: an embedded
// Temporal server shared by the package's tests and, through pgtest, a fresh
// PostgreSQL database per test. It links the Temporal server, so keep the
// number of test packages that import it small.
package testenv

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"

	"go.temporal.io/sdk/client"

	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/devtools/devstack"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/worker"
	"github.com/rightsdesk/rightsdesk/workflows"
)

var (
	once    sync.Once
	server  *devstack.Temporal
	tclient client.Client
	initErr error
)

// Main runs the package's tests, then stops Temporal and PostgreSQL. Call
// it from TestMain: os.Exit(testenv.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if tclient != nil {
		tclient.Close()
	}
	if server != nil {
		server.Stop()
	}
	pgtest.Stop()
	return code
}

// Logger is a logger that only passes on errors, to keep test output short.
func Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

// Temporal returns a client of the package's embedded Temporal server,
// starting it on first use.
func Temporal(t testing.TB) client.Client {
	t.Helper()
	once.Do(func() {
		ctx := context.Background()
		server, initErr = devstack.StartTemporal(ctx, devstack.TemporalOptions{
			UIPort: -1, SearchAttributes: workflows.SearchAttributes(), Logger: Logger(),
		})
		if initErr != nil {
			return
		}
		tclient, initErr = worker.Dial(ctx, worker.ClientOptions{Connection: client.Options{HostPort: server.Address(), Namespace: server.Namespace()}, Logger: Logger(), Keys: Keys()})
	})
	if initErr != nil {
		t.Fatalf("testenv: start Temporal: %v", initErr)
	}
	return tclient
}

// Keys is the keyring of the tests: fixed, published keys, so committed
// test histories replay.
func Keys() *crypto.Keyring { return crypto.InsecureTestKeyring() }

// TemporalAddress is the embedded server's frontend address.
func TemporalAddress(t testing.TB) string {
	Temporal(t)
	return server.Address()
}

// TaskQueue returns a task queue name unique to the test, so that tests
// sharing the server do not take each other's tasks.
func TaskQueue(t testing.TB) string {
	return "test-" + strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
}
