package staff_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/devtools/teststack"

	"github.com/rightsdesk/rightsdesk/internal/store"
)

// section returns the part of a page from the element with this id to the
// end of its section, so a check looks only there.
func section(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `id="`+id+`"`)
	require.GreaterOrEqual(t, i, 0, "no #%s on the page", id)
	rest := body[i:]
	if j := strings.Index(rest, "</section>"); j >= 0 {
		rest = rest[:j]
	}
	return html.UnescapeString(rest)
}

// TestCaseShowsNotesAnswersAndDetails: what a caseworker needs to see is in
// the request's detail and on the case view: the notes (text, author, time,
// sealed in the read model), the question asked of the subject and their
// answer (also one that came by post and was recorded by staff), what the
// person asked for by right (corrections, purposes objected to, consents
// withdrawn) and who represents them, and what a caseworker recorded on
// completing a task.
func TestCaseShowsNotesAnswersAndDetails(t *testing.T) {
	s := teststack.New(t, teststack.Options{DevLogin: true})
	m := teststack.Letter("", "2026-03-05")
	delete(m, "kind")
	m["kinds"] = []string{"rectification", "objection", "consent_withdrawal"}
	m["details"] = map[string]any{
		"description": "Please see to all three.",
		"corrections": []any{map[string]any{"data": "My address is Nørregade 7", "correct": "Sølvgade 1, 1307 København K"}},
		"purposes":    []any{"Newsletter about events"},
		"consents":    []any{"Photos from the summer camp"},
	}
	m["representative"] = map[string]any{"name": "Advokat Hansen", "email": "hansen@law.example", "relationship": "lawyer", "mandate_checked": true}
	r := s.Intake(m, teststack.TokCaseworker)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
	ids := map[string]string{}
	for _, x := range r.Body["requests"].([]any) {
		x := x.(map[string]any)
		ids[x["kind"].(string)] = x["id"].(string)
		s.WaitStage(x["id"].(string), "identity")
	}
	id := ids["rectification"]
	p := map[string]string{"id": id}

	// The question and the answer that came by post, recorded by staff.
	ask := s.Call(http.MethodPost, "/v1/requests/{id}/information-request", p, map[string]any{"purpose": "identity", "what": "Send us a copy of the letter we sent you in May."}, teststack.TokCaseworker)
	require.Equal(t, http.StatusOK, ask.Status, "%s", ask.Raw)
	long := s.Call(http.MethodPost, "/v1/requests/{id}/information", p, map[string]any{"answer": strings.Repeat("x", 10001)}, teststack.TokCaseworker)
	require.Equal(t, http.StatusUnprocessableEntity, long.Status, "%s", long.Raw)
	require.Equal(t, "/answer", long.Body["errors"].([]any)[0].(map[string]any)["pointer"])
	ans := s.Call(http.MethodPost, "/v1/requests/{id}/information", p, map[string]any{"answer": "Copy enclosed; the letter was addressed to Nørregade."}, teststack.TokCaseworker)
	require.Equal(t, http.StatusOK, ans.Status, "%s", ans.Raw)
	v := s.Call(http.MethodPost, "/v1/requests/{id}/identity", p, map[string]any{"method": "in_person"}, teststack.TokCaseworker)
	require.Equal(t, http.StatusOK, v.Status, "%s", v.Raw)

	// Notes, by the API and by the case view.
	n := s.Call(http.MethodPost, "/v1/requests/{id}/notes", p, map[string]any{"text": "Called the lawyer: the mandate covers all three requests."}, teststack.TokCaseworker)
	require.Equal(t, http.StatusOK, n.Status, "%s", n.Raw)
	b := s.Browserless(t)
	b.DevLogin("cw2")
	resp, _ := b.Get("/staff/requests/" + id)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, body := b.Post("/staff/requests/"+id+"/actions/notes", url.Values{"text": {"Checked the address in the register."}, "_key": {uuid.NewString()}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)

	got := s.Call(http.MethodGet, "/v1/requests/{id}", p, nil, teststack.TokCaseworker)
	require.Equal(t, http.StatusOK, got.Status, "%s", got.Raw)
	notes := got.Body["notes"].([]any)
	require.Len(t, notes, 2)
	first, second := notes[0].(map[string]any), notes[1].(map[string]any)
	require.EqualValues(t, 1, first["number"])
	require.Equal(t, "token:cw1", first["author"])
	require.Equal(t, "Called the lawyer: the mandate covers all three requests.", first["text"])
	require.EqualValues(t, 2, second["number"])
	require.Equal(t, "token:cw2", second["author"])
	require.Equal(t, "Checked the address in the register.", second["text"])
	at, err := time.Parse(time.RFC3339, first["at"].(string))
	require.NoError(t, err)
	require.WithinDuration(t, time.Now(), at, time.Minute)
	state := got.Body["state"].(map[string]any)
	require.EqualValues(t, 2, state["notes"])
	pause := state["pauses"].([]any)[0].(map[string]any)
	require.Equal(t, "Send us a copy of the letter we sent you in May.", pause["what"])
	require.Equal(t, "Copy enclosed; the letter was addressed to Nørregade.", pause["answer"])

	// At rest the notes are sealed: not in the table as written.
	var rows []store.Note
	require.NoError(t, s.Store.DB.Where("request_id = ?", uuid.MustParse(id)).Order("seq").Find(&rows).Error)
	require.Len(t, rows, 2)
	for _, row := range rows {
		require.NotEmpty(t, row.Text)
		require.NotContains(t, string(row.Text), "lawyer")
		require.NotContains(t, string(row.Text), "register")
	}
	var audit []store.Event
	require.NoError(t, s.Store.DB.Where("request_id = ? AND action = 'note.added'", uuid.MustParse(id)).Find(&audit).Error)
	require.Len(t, audit, 2)
	for _, ev := range audit {
		require.NotContains(t, string(ev.Data), "lawyer", "the audit log keeps the note's number, not its text")
	}

	// The case view shows it all, in the staff's language.
	_, body = b.Get("/staff/requests/" + id + "?lang=en")
	notesHTML := section(t, body, "notes")
	require.Contains(t, notesHTML, "Called the lawyer: the mandate covers all three requests.")
	require.Contains(t, notesHTML, "Checked the address in the register.")
	require.Contains(t, notesHTML, "<strong>cw1</strong>", "the author, by name")
	info := section(t, body, "information")
	require.Contains(t, info, "To verify identity")
	require.Contains(t, info, "Send us a copy of the letter we sent you in May.")
	require.Contains(t, info, "Copy enclosed; the letter was addressed to Nørregade.")
	details := section(t, body, "details")
	require.Contains(t, details, "My address is Nørregade 7")
	require.Contains(t, details, "Sølvgade 1, 1307 København K")
	person := section(t, body, "person-title")
	require.Contains(t, person, "Advokat Hansen")
	require.Contains(t, person, "Lawyer")
	_, body = b.Get("/staff/requests/" + ids["objection"] + "?lang=en")
	require.Contains(t, section(t, body, "details"), "Newsletter about events")
	require.Contains(t, section(t, body, "details"), "Processing objected to")
	_, body = b.Get("/staff/requests/" + ids["consent_withdrawal"] + "?lang=da")
	require.Contains(t, section(t, body, "details"), "Photos from the summer camp")
	require.Contains(t, section(t, body, "details"), "Samtykker, der trækkes tilbage")

	// What a caseworker recorded on completing a task in a system.
	e := s.Intake(map[string]any{"controller": "demo", "kind": "erasure", "identity": map[string]any{"method": "mitid"},
		"subject": map[string]any{"name": "Other Person", "email": "other@example.dk"}}, teststack.TokCaseworker)
	require.Equal(t, http.StatusCreated, e.Status, "%s", e.Raw)
	eid := e.Str("id")
	s.WaitStage(eid, "assessment")
	d := s.Call(http.MethodPost, "/v1/requests/{id}/decision", map[string]string{"id": eid}, map[string]any{"outcome": "grant", "assessment": "Nothing keeps it."}, teststack.TokCaseworker)
	require.Equal(t, http.StatusOK, d.Status, "%s", d.Raw)
	fulfil := taskOf(t, d.Body, "fulfil")
	require.Equal(t, http.StatusOK, s.Call(http.MethodPost, "/v1/tasks/{id}/claim", map[string]string{"id": fulfil}, nil, teststack.TokCaseworker).Status)
	done := s.Call(http.MethodPost, "/v1/tasks/{id}/complete", map[string]string{"id": fulfil}, map[string]any{"found": "Deleted case 2024-117 and its two scanned letters."}, teststack.TokCaseworker)
	require.Equal(t, http.StatusOK, done.Status, "%s", done.Raw)
	got = s.Call(http.MethodGet, "/v1/requests/{id}", map[string]string{"id": eid}, nil, teststack.TokCaseworker)
	var found string
	for _, tk := range got.Body["state"].(map[string]any)["tasks"].([]any) {
		if tk := tk.(map[string]any); tk["id"] == fulfil {
			found, _ = tk["found"].(string)
		}
	}
	require.Equal(t, "Deleted case 2024-117 and its two scanned letters.", found)
	_, body = b.Get("/staff/requests/" + eid + "?lang=sv")
	tasks := section(t, body, "tasks-title")
	require.Contains(t, tasks, "Deleted case 2024-117 and its two scanned letters.")
	require.Contains(t, tasks, "Registrerat vid utförandet")
}

// TestTimelineSpeaksTheStaffsLanguage: each event of the case view's
// timeline is written in the staff's language, with its data in words;
// a rejected action shows its rule in that language too.
func TestTimelineSpeaksTheStaffsLanguage(t *testing.T) {
	s := teststack.New(t, teststack.Options{DevLogin: true})
	r := s.Intake(teststack.Letter("erasure", "2026-03-05"), teststack.TokCaseworker)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
	id := r.Str("id")
	p := map[string]string{"id": id}
	s.WaitStage(id, "identity")
	require.Equal(t, http.StatusOK, s.Call(http.MethodPost, "/v1/requests/{id}/information-request", p, map[string]any{"purpose": "identity", "what": "Log in with MitID."}, teststack.TokCaseworker).Status)
	b := s.Browserless(t)
	b.DevLogin("cw1")
	// The answer came by phone: recorded with its text from the case view.
	_, body := b.Get("/staff/requests/" + id)
	require.Contains(t, body, `name="answer"`)
	resp, body := b.Post("/staff/requests/"+id+"/actions/information", url.Values{"answer": {"Logged in on Monday."}, "_key": {uuid.NewString()}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	got := s.Call(http.MethodGet, "/v1/requests/{id}", p, nil, teststack.TokCaseworker)
	require.Equal(t, "Logged in on Monday.", got.Body["state"].(map[string]any)["pauses"].([]any)[0].(map[string]any)["answer"])
	v := s.Call(http.MethodPost, "/v1/requests/{id}/identity", p, map[string]any{"method": "in_person"}, teststack.TokCaseworker)
	require.Equal(t, http.StatusOK, v.Status, "%s", v.Raw)
	require.Equal(t, http.StatusOK, s.Call(http.MethodPost, "/v1/requests/{id}/notes", p, map[string]any{"text": "A note."}, teststack.TokCaseworker).Status)

	row := regexp.MustCompile(`(?s)<tr data-action="([^"]+)">(.*?)</tr>`)
	for _, tc := range []struct {
		lang  string
		words []string
	}{
		{"sv", []string{"Begäran mottagen", "Rättighet: Radering av dina uppgifter", "Kanal: Brev", "Uppgifter begärda", "Syfte: För att bekräfta identiteten",
			"Identitet bekräftad", "Metod: Personligt besök", "Anteckning tillagd", "Anteckning nr: 1"}},
		{"en", []string{"Request received", "Channel: Letter", "Information requested", "Purpose: To verify identity",
			"Identity verified", "Method: In person", "Note added", "Note no.: 1"}},
		{"da", []string{"Anmodningen modtaget", "Kanal: Brev", "Oplysninger efterspurgt", "Formål: For at bekræfte identiteten",
			"Identitet bekræftet", "Metode: Personligt fremmøde", "Notat tilføjet", "Notat nr.: 1"}},
	} {
		resp, body = b.Get("/staff/requests/" + id + "?lang=" + tc.lang)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		timeline := section(t, body, "timeline")
		rows := row.FindAllStringSubmatch(timeline, -1)
		require.GreaterOrEqual(t, len(rows), 6, tc.lang)
		var text strings.Builder
		for _, m := range rows {
			cells := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[2], " ")
			require.NotContains(t, cells, m[1], "%s: the action %s is written in words", tc.lang, m[1])
			who := strings.Split(m[2], "</td>")[1]
			require.NotContains(t, who, ">system", "%s: who acted is written in words", tc.lang)
			text.WriteString(strings.Join(strings.Fields(cells), " ") + "\n")
		}
		for _, w := range tc.words {
			require.Contains(t, text.String(), w, "%s timeline:\n%s", tc.lang, text.String())
		}
	}

	// A rejected action: its rule in the staff's language.
	_, body = b.Get("/staff/requests/" + id + "?lang=sv")
	claim := regexpFind(t, `action="/staff/requests/`+id+`/tasks/([0-9a-f-]{36})/claim"`, body)
	resp, body = b.Post("/staff/requests/"+id+"/tasks/"+claim+"/complete?lang=sv", url.Values{"found": {"Looked everywhere."}, "_key": {uuid.NewString()}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, body)
	require.Contains(t, html.UnescapeString(body), "Endast en uppgift i ett system registrerar vad som gjordes och hittades")
	resp, body = b.Post("/staff/requests/"+id+"/actions/notes?lang=sv", url.Values{"text": {" "}, "_key": {uuid.NewString()}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, body)
	require.Contains(t, body, "Skriv anteckningen.")
}

// taskOf is the open task of a kind in a request's state.
func taskOf(t *testing.T, state map[string]any, kind string) string {
	t.Helper()
	for _, tk := range state["tasks"].([]any) {
		if tk := tk.(map[string]any); tk["kind"] == kind && tk["status"] == "open" {
			return tk["id"].(string)
		}
	}
	t.Fatalf("no open %s task", kind)
	return ""
}
