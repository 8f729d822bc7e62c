// Package pgtest gives tests a real, private PostgreSQL: one cluster per test
// binary, started on first use from the machine's server binaries, and a
// fresh database per test, copied from a migrated template.
package pgtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rightsdesk/rightsdesk/internal/devtools/pgcluster"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/migrations"
)

const template = "rightsdesk_template"

var (
	once    sync.Once
	cluster *pgcluster.Cluster
	tmpDir  string
	initErr error
	counter atomic.Int64
)

// Main runs the package's tests and then stops the cluster. Call it from
// TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	Stop()
	return code
}

// Stop stops the shared cluster, if it was started, and removes its files.
func Stop() {
	if cluster != nil {
		cluster.Stop()
	}
	if tmpDir != "" {
		os.RemoveAll(tmpDir)
	}
}

func start() {
	ctx := context.Background()
	tmpDir, initErr = os.MkdirTemp("", "rightsdesk-pgtest-")
	if initErr != nil {
		return
	}
	cluster, initErr = pgcluster.Start(ctx, pgcluster.Options{DataDir: filepath.Join(tmpDir, "pg")})
	if initErr != nil {
		return
	}
	if initErr = cluster.CreateDatabase(ctx, template, ""); initErr != nil {
		return
	}
	st, err := store.Open(ctx, cluster.DSN(template), 2)
	if err != nil {
		initErr = err
		return
	}
	// The template must have no open connections when it is copied.
	defer st.Close()
	initErr = migrations.Up(ctx, st.SQL())
}

// Cluster returns the shared cluster, starting it on first use.
func Cluster(t testing.TB) *pgcluster.Cluster {
	t.Helper()
	once.Do(start)
	if initErr != nil {
		t.Fatalf("pgtest: start PostgreSQL: %v", initErr)
	}
	return cluster
}

// DSN returns the connection string of a new, migrated, empty database.
func DSN(t testing.TB) string {
	t.Helper()
	c := Cluster(t)
	name := fmt.Sprintf("t%d_%d", os.Getpid(), counter.Add(1))
	if err := c.CreateDatabase(context.Background(), name, template); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	return c.DSN(name)
}

// New returns a store on a new, migrated, empty database, closed when the
// test ends.
func New(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), DSN(t), 10)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
