package connectors

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/policy"
)

// TestHTTPExportRefusesAnUnfinishedAnswer: an export is taken only when
// the answer is whole and says done; rows handed on before a broken answer
// do not make it a success.
func TestHTTPExportRefusesAnUnfinishedAnswer(t *testing.T) {
	for name, tc := range map[string]struct {
		status int
		body   string
		rows   int64
		ok     bool
	}{
		"whole":          {200, `{"key":"k","status":"done","records":[{"a":1},{"a":2}]}`, 2, true},
		"no records":     {200, `{"key":"k","status":"done","records":[]}`, 0, true},
		"cut off":        {200, `{"key":"k","status":"done","records":[{"a":1},{"a"`, 0, false},
		"not done":       {200, `{"key":"k","status":"failed","records":[]}`, 0, false},
		"without status": {200, `{"key":"k","records":[{"a":1}]}`, 0, false},
		"not an object":  {200, `[{"a":1}]`, 0, false},
		"refused":        {422, ``, 0, false},
		"down":           {502, `down`, 0, false},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			h, err := NewHTTP("crm", srv.URL, "whsec_c3lzdGVtc2VjcmV0c3lzdGVtc2VjcmV0MTIzNA==", "")
			require.NoError(t, err)
			ds := policy.Dataset{ID: "contacts", Keys: map[string]string{"email": "email"}}
			res, err := h.Export(context.Background(), ds, Subject{Identifiers: map[string]string{"email": "a@example.dk"}, Key: "k"}, func(Row) error { return nil })
			if !tc.ok {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.rows, res.Rows)
		})
	}
	h, err := NewHTTP("crm", "http://127.0.0.1:1", "whsec_c3lzdGVtc2VjcmV0c3lzdGVtc2VjcmV0MTIzNA==", "")
	require.NoError(t, err)
	_, err = h.Export(context.Background(), policy.Dataset{ID: "contacts", Keys: map[string]string{"cpr": "cpr"}}, Subject{Identifiers: map[string]string{"email": "a@example.dk"}}, func(Row) error { return nil })
	require.ErrorIs(t, err, ErrNoIdentifier, "nothing to ask by")
}
