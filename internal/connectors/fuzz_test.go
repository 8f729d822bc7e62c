package connectors

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/require"
)

// FuzzExportAnswer feeds arbitrary answers to the http connector's export
// reader: it never panics, and what it accepts is one JSON object whose
// status is done and whose records are the rows it counted.
func FuzzExportAnswer(f *testing.F) {
	for _, seed := range []string{
		`{"key":"k","status":"done","records":[{"id":1},{"id":2}]}`,
		`{"records":[],"status":"done"}`,
		`{"status":"done","records":[{"id":1}`,
		`{"status":"accepted","records":[]}`,
		`{"status":"done","records":[],"records":[{"a":1}]}`,
		`[]`, ``, `{"status":"done","records":[1,2]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, err := readExport(bytes.NewReader(body), "sys", func(Row) error { return nil })
		if err != nil {
			return
		}
		var v struct {
			Status  string
			Records []json.RawMessage
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		require.NoError(t, dec.Decode(&v), "accepted: %q", body)
		require.Equal(t, "done", v.Status)
		require.EqualValues(t, len(v.Records), rows)
	})
}

// FuzzCallback feeds arbitrary bodies, signed or not, to the callback
// check: an unsigned or wrongly signed body is always refused; a signed
// one is accepted only as a report with a key and status done or failed.
func FuzzCallback(f *testing.F) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	for _, seed := range []string{
		`{"key":"r/s/d/erase","status":"done","rows":2}`,
		`{"key":"r/s/d/erase","status":"failed","reason":"locked"}`,
		`{"key":"","status":"done"}`, `{"status":"maybe"}`, `null`, `x`,
	} {
		f.Add([]byte(seed), true)
		f.Add([]byte(seed), false)
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, body []byte, sign bool) {
		h := http.Header{}
		now := time.Now()
		h.Set("webhook-id", "msg_1")
		h.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		if sign {
			sig, err := wh.Sign("msg_1", now, body)
			require.NoError(t, err)
			h.Set("webhook-signature", sig)
		} else {
			h.Set("webhook-signature", "v1,bm90IGEgc2lnbmF0dXJl")
		}
		r, err := VerifyCallback(secret, body, h)
		if !sign {
			require.Error(t, err, "an unsigned callback is never taken")
			return
		}
		if err == nil {
			require.NotEmpty(t, r.Key)
			require.Contains(t, []string{"done", "failed"}, r.Status)
		}
	})
}
