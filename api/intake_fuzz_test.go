package api

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/rights"
)

// FuzzIntakeBody feeds arbitrary bytes to the intake's decoder and
// validation: they never panic, every error is a problem naming its fields,
// and whatever passes is a request the workflow can take.
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
		var b IntakeBody
		if err := decodeBytes(body, &b); err != nil {
			var p *Problem
			require.True(t, errors.As(err, &p), "%v", err)
			require.Equal(t, 400, p.Status)
			require.NotEmpty(t, p.Errors)
			return
		}
		var who *Principal
		if asStaff {
			who = staff
		}
		in, err := checkIntake(b, policy, who, today)
		if err != nil {
			var p *Problem
			require.True(t, errors.As(err, &p), "%v", err)
			require.Equal(t, 422, p.Status)
			require.NotEmpty(t, p.Errors)
			for _, fe := range p.Errors {
				require.Regexp(t, `^(/[a-z_0-9]+)+$`, fe.Pointer)
			}
			return
		}
		require.NotEmpty(t, in.Kinds)
		for _, k := range in.Kinds {
			require.True(t, rights.Kind(k).Valid())
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
