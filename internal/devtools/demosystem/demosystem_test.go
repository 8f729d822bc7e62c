package demosystem

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/connectors"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var secret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("a demo secret of thirty-two byte"))

func count(t *testing.T, pool *pgxpool.Pool, sql string) int64 {
	var n int64
	require.NoError(t, pool.QueryRow(context.Background(), sql).Scan(&n))
	return n
}

// TestTheConnectorDrivesTheDemoSystem: the real http connector, signing as
// in production, restricts and lifts a person's appointments in the demo
// booking system, exports them, and erases them once per key; a call with another secret
// and a step the system does not offer are refused.
func TestTheConnectorDrivesTheDemoSystem(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgtest.DSN(t))
	require.NoError(t, err)
	defer pool.Close()
	_, err = pool.Exec(ctx, controllers.DemoSourceSQL())
	require.NoError(t, err)
	h, err := New(pool, secret, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	sys := controllers.DemoBooking(srv.URL)
	ds := sys.Datasets[0]
	conn, err := connectors.NewHTTP(sys.ID, srv.URL, secret, "")
	require.NoError(t, err)
	anna := connectors.Subject{Identifiers: map[string]string{"cpr": "0707614285", "email": "anna.hansen@example.dk"}}

	anna.Key = "r1/demo_booking/aftaler/restrict"
	res, err := conn.Do(ctx, "restrict", ds, anna, nil)
	require.NoError(t, err)
	require.EqualValues(t, 2, res.Rows, "by CPR number and by e-mail")
	require.EqualValues(t, 2, count(t, pool, `SELECT count(*) FROM booking.aftaler WHERE begraenset`))
	anna.Key = "r1/demo_booking/aftaler/lift"
	res, err = conn.Do(ctx, "lift", ds, anna, nil)
	require.NoError(t, err)
	require.EqualValues(t, 2, res.Rows)
	require.Zero(t, count(t, pool, `SELECT count(*) FROM booking.aftaler WHERE begraenset`))

	anna.Key = "r0/demo_booking/aftaler/export"
	var got []connectors.Row
	res, err = conn.Export(ctx, ds, anna, func(r connectors.Row) error { got = append(got, r); return nil })
	require.NoError(t, err)
	require.EqualValues(t, 2, res.Rows)
	require.Len(t, got, 2)
	require.Equal(t, "Samtale i jobcentret", got[0]["emne"])
	require.Equal(t, "Workshop: jobsøgning", got[1]["emne"])

	anna.Key = "r2/demo_booking/aftaler/erase"
	res, err = conn.Do(ctx, "erase", ds, anna, nil)
	require.NoError(t, err)
	require.EqualValues(t, 2, res.Rows)
	require.Zero(t, count(t, pool, `SELECT count(*) FROM booking.aftaler WHERE cpr = '070761-4285' OR email = 'anna.hansen@example.dk'`))
	require.EqualValues(t, 1, count(t, pool, `SELECT count(*) FROM booking.aftaler`), "Bo's appointment stays")
	_, err = pool.Exec(ctx, `INSERT INTO booking.aftaler (cpr, email, tidspunkt, emne) VALUES ('070761-4285', NULL, now(), 'booked again')`)
	require.NoError(t, err)
	res, err = conn.Do(ctx, "erase", ds, anna, nil)
	require.NoError(t, err)
	require.EqualValues(t, 2, res.Rows, "the same key answers the first result")
	require.EqualValues(t, 2, count(t, pool, `SELECT count(*) FROM booking.aftaler`), "and does nothing again")

	_, err = conn.Do(ctx, "rectify", ds, anna, map[string]string{"emne": "x"})
	require.ErrorIs(t, err, connectors.ErrUnsupported)

	other, err := connectors.NewHTTP(sys.ID, srv.URL, "whsec_"+base64.StdEncoding.EncodeToString([]byte("another secret of thirty-two byt")), "")
	require.NoError(t, err)
	anna.Key = "r3/demo_booking/aftaler/erase"
	_, err = other.Do(ctx, "erase", ds, anna, nil)
	require.ErrorContains(t, err, "401")
	require.EqualValues(t, 2, count(t, pool, `SELECT count(*) FROM booking.aftaler`))

	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}
