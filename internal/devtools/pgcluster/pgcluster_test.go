package pgcluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

func TestStartStopRestart(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "pg")
	c, err := Start(ctx, Options{DataDir: dir})
	require.NoError(t, err)
	require.NoError(t, c.CreateDatabase(ctx, "app", ""))
	require.NoError(t, c.CreateDatabase(ctx, "app", ""), "creating an existing database is a no-op")
	conn, err := pgx.Connect(ctx, c.DSN("app"))
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)")
	require.NoError(t, err)
	conn.Close(ctx)

	// A second server on the same directory is refused with a clear message.
	_, err = Start(ctx, Options{DataDir: dir})
	require.ErrorContains(t, err, "in use by a running server")
	require.NoError(t, c.Stop())

	// A lock file left by a dead server does not block the next start.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "postmaster.pid"), []byte(strconv.Itoa(1<<22-1)+"\n"), 0o600))
	c, err = Start(ctx, Options{DataDir: dir})
	require.NoError(t, err)
	defer c.Stop()
	conn, err = pgx.Connect(ctx, c.DSN("app"))
	require.NoError(t, err)
	defer conn.Close(ctx)
	var v int
	require.NoError(t, conn.QueryRow(ctx, "SELECT v FROM kept").Scan(&v))
	require.Equal(t, 42, v)
}

func TestFindBinDirPrefersNewestMajor(t *testing.T) {
	require.Greater(t, majorOf("/usr/lib/postgresql/15/bin"), majorOf("/usr/lib/postgresql/9/bin"))
	dir, err := FindBinDir()
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(dir, "postgres"))
}

// TestNoOrphanAfterPanic: a process that starts a cluster and panics leaves
// no server behind. The test runs itself as that process.
func TestNoOrphanAfterPanic(t *testing.T) {
	if dir := os.Getenv("PGCLUSTER_PANIC_DIR"); dir != "" {
		c, err := Start(context.Background(), Options{DataDir: dir})
		if err != nil {
			fmt.Println("start failed:", err)
			os.Exit(3)
		}
		fmt.Printf("port %d\n", c.Port())
		panic("a bug")
	}
	dir := filepath.Join(t.TempDir(), "pg")
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoOrphanAfterPanic$")
	cmd.Env = append(os.Environ(), "PGCLUSTER_PANIC_DIR="+dir)
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "the child panics")
	require.Contains(t, string(out), "panic: a bug")
	require.Contains(t, string(out), "port ")
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	require.NoError(t, err, "the killed server left its lock file")
	pid, _ := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
	require.Eventually(t, func() bool { return !postgresRunning(pid) }, 10*time.Second, 20*time.Millisecond,
		"postgres (pid %d) outlived the process that started it", pid)
	// And the next start on the same directory works.
	c, err := Start(context.Background(), Options{DataDir: dir})
	require.NoError(t, err)
	require.NoError(t, c.Stop())
}
