package cases

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// FuzzIntakeBody feeds arbitrary bytes, decoded strictly as JSON, to the
// intake's validation: it never panics, every error names its fields, and
// whatever passes is a request the workflow can take. (The API's own
// decoder is fuzzed by its tests of malformed bodies.)
func FuzzIntakeBody(f *testing.F) {
	for _, seed := range []string{
		`{"controller":"demo","kind":"access","subject":{"name":"A","email":"a@example.dk"}}`,
		`{"controller":"demo","kinds":["access","erasure"],"channel":"letter","received_at":"2026-01-31","subject":{"name":"A","address":"x","cpr":"070761-4285"}}`,
		`{"controller":"demo","kind":"rectification","subject":{"name":"A","phone":"+45 1234 5678"},"details":{"corrections":[{"data":"a","correct":"b"}]}}`,
		`{"controller":"demo","kind":"objection","subject":{"name":"A","email":"a@b.se","personnummer":"811228-9874"},"details":{"purposes":["marketing"]},"identity":{"method":"bankid"}}`,
		`{"controller":"demo","kind":"access","received_at":"2025-02-30","subject":{"name":""}}`,
		`{"controller":1}`, `[]`, `null`, `{"a":`,
	} {
		f.Add([]byte(seed), true)
	}
	policy := controllers.Policy{ControllerID: "demo", Role: "controller", Country: "DK", TimeZone: "Europe/Copenhagen", Language: "da", Deadlines: controllers.DefaultDeadlines()}
	staff := &Principal{Actor: "token:x", Roles: []string{"caseworker"}}
	today := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte, asStaff bool) {
		var b Intake
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&b); err != nil {
			return
		}
		var who *Principal
		if asStaff {
			who = staff
		}
		in, err := checkIntake(b, policy, who, today)
		if err != nil {
			var fields FieldErrors
			require.True(t, errors.As(err, &fields), "%v", err)
			require.NotEmpty(t, fields)
			for _, fe := range fields {
				require.Regexp(t, `^(/[a-z_0-9]+)+$`, fe.Pointer)
			}
			return
		}
		require.NotEmpty(t, in.Kinds)
		for _, k := range in.Kinds {
			require.True(t, workflows.Kind(k).Valid())
		}
		require.False(t, in.ReceivedOn.After(today), "never received in the future")
		require.NotEmpty(t, in.Subject.Name)
		require.True(t, in.Subject.Email != "" || in.Subject.Address != "" || in.Subject.Phone != "")
		if !asStaff {
			require.Equal(t, "web", in.Channel)
			require.Equal(t, today, in.ReceivedOn)
			require.Empty(t, in.IdentityMethod, "the public cannot claim a verified identity")
		}
	})
}
