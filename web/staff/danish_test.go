package staff_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/devtools/teststack"
)

// TestDanishStaffPagesHaveNoEnglish: on a Danish staff page the letters'
// channels and the register form's field errors are Danish words, not the
// service's English values (the rights an erasure waits for, in the
// timeline: web's TestEventFacts).
func TestDanishStaffPagesHaveNoEnglish(t *testing.T) {
	s := teststack.New(t, teststack.Options{DevLogin: true})
	id := s.Identified(teststack.Letter("erasure", "2026-03-02"))

	b := s.Browserless(t)
	b.DevLogin("cw1")
	// The acknowledgement is written by the workflow in its own time.
	var resp *http.Response
	var body string
	require.Eventually(t, func() bool {
		resp, body = b.Get("/staff/requests/" + id + "?lang=da")
		return resp.StatusCode == http.StatusOK && strings.Contains(body, `id="letters"`)
	}, 15*time.Second, 100*time.Millisecond, "the case page lists a letter")
	letters := section(t, body, "letters")
	require.Contains(t, letters, "<td>E-mail</td>", "the channel in words")
	require.NotContains(t, letters, "<td>email</td>")

	// The register form refused: its fields' errors in the citizen form's
	// Danish words, none of the service's English.
	_, body = b.Get("/staff/register?lang=da")
	key := regexpFind(t, `name="_key" value="([^"]+)"`, body)
	form := url.Values{"controller": {"demo"}, "channel": {"letter"}, "received_at": {time.Now().AddDate(0, 0, 3).Format(time.DateOnly)},
		"kind": {"access"}, "name": {"Brev Person"}, "email": {"no-at-sign"}, "national_id": {"07-07-61"}, "_key": {key}}
	resp, body = b.Post("/staff/register?lang=da", form)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, body)
	body = html.UnescapeString(body)
	for _, english := range []string{"not an e-mail address", "wrong format", "cannot be in the future"} {
		require.NotContains(t, body, english)
	}
	for _, dansk := range []string{"Skriv en gyldig e-mailadresse.", "Tjek nummeret: det er ikke gyldigt.",
		"Angiv den dag, den blev modtaget: en gyldig dato, ikke i fremtiden."} {
		require.Contains(t, body, dansk)
	}
	require.Contains(t, body, `href="#received_at"`, "the summary links to the field")
}
