package activities

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/policy"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// peakRSS is the process's high-water mark of resident memory, in MiB.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// BenchmarkAccessPackage builds the access package of a person with
// ROWS rows (default 1,000,000) in one dataset of a real source database:
// JSON and CSV, streamed into sealed pieces. It reports rows per second and
// the process's peak resident memory.
//
//	go test -run '^$' -bench AccessPackage -benchtime 1x ./activities
func BenchmarkAccessPackage(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("ROWS")); err == nil {
		n = v
	}
	ctx := context.Background()
	st := pgtest.New(b)
	dsn := pgtest.DSN(b)
	pool, err := pgxpool.New(ctx, dsn)
	require.NoError(b, err)
	b.Cleanup(pool.Close)
	for _, sql := range []string{
		`CREATE TABLE src_events (id bigserial PRIMARY KEY, cpr text, what text, at timestamptz)`,
		`INSERT INTO src_events (cpr, what, at) SELECT '0707614285', 'event number ' || g, now() - g * interval '1 minute' FROM generate_series(1, ` + strconv.Itoa(n) + `) g`,
		`CREATE INDEX ON src_events (cpr)`,
	} {
		_, err = pool.Exec(ctx, sql)
		require.NoError(b, err)
	}

	c := controllers.Demo()[0]
	c.Systems = []policy.System{{ID: "src", Name: "Source", Kind: "postgres", Datasets: []policy.Dataset{{
		ID: "events", Name: "Events", Table: "src_events", Keys: map[string]string{"cpr": "cpr"},
		Purposes: []string{"Beskæftigelsesindsats efter lov om en aktiv beskæftigelsesindsats"}, LegalBasis: []string{"6(1)(e)"},
		Recipients: []string{}, Retention: "x", Erase: policy.Erasure{Strategy: "delete"},
	}}}}
	require.NoError(b, controllers.Sync(ctx, st, []controllers.Controller{c}))
	subjects := &intake.Service{Store: st, Keys: crypto.InsecureTestKeyring()}
	received := deadline.Date(2026, 11, 1)
	res, err := subjects.Register(ctx, intake.Intake{ControllerID: "demo", Kinds: []string{"access"}, Channel: "web", ReceivedOn: received,
		Language: "da", RegisteredBy: "subject", Subject: intake.Subject{Name: "X", NationalID: "0707614285", NationalIDKind: "cpr"},
		DueOn: deadline.Due(received), StatutoryDueOn: deadline.StatutoryDue(received, deadline.MustCalendar(deadline.DK))})
	require.NoError(b, err)
	a := &Activities{Store: st, Subjects: subjects, Systems: &Systems{DSN: map[string]string{"src": dsn}}}
	b.Cleanup(a.Systems.Close)
	step := rights.FulfilStep{RequestID: res.Requests[0].ID, System: "*", Dataset: "*", Step: rights.StepPackage}

	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		r, err := a.Fulfil(ctx, step)
		require.NoError(b, err)
		require.EqualValues(b, n, r.Rows)
	}
	elapsed := time.Since(start)
	var p store.Package
	require.NoError(b, st.DB.First(&p, "request_id = ?", step.RequestID).Error)
	b.ReportMetric(float64(n)*float64(b.N)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(peakRSS(), "peak-RSS-MiB")
	b.ReportMetric(float64(p.Size)/(1<<20), "zip-MiB")
}
