package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/policy"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// clock is a test's clock for the API, moved on by hand.
type clock struct {
	mu sync.Mutex
	at time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(d)
}

// specialCaseNotes marks the source system's case notes as special
// categories (a psychologist's journal, say).
func specialCaseNotes(c *controllers.Controller) {
	ds := &c.Systems[0].Datasets[0]
	ds.LegalBasis, ds.SpecialCategories = append(ds.LegalBasis, "9(2)(h)"), true
}

// grantedAccess registers a public access request of the source system's
// person, verifies identity, grants it and waits for the reply: its ID and
// status token.
func (s *stack) grantedAccess() (string, string) {
	s.t.Helper()
	m := letter("access", "")
	delete(m, "received_at")
	delete(m, "channel")
	r := s.intake(m, "")
	require.Equal(s.t, http.StatusCreated, r.status, "%s", r.raw)
	id := r.str("id")
	p := map[string]string{"id": id}
	s.waitStage(id, "identity")
	require.Equal(s.t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/identity", p, map[string]any{"method": "mitid"}, tokCaseworker).status)
	require.Equal(s.t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/decision", p, map[string]any{"outcome": "grant", "assessment": "Full copy."}, tokCaseworker).status)
	s.waitStage(id, "closed")
	return id, strings.TrimPrefix(r.str("status_url"), "https://rights.example/status/")
}

// packageReads are the access log's package downloads of a request, as
// actor/factor.
func (s *stack) packageReads(id string) []string {
	s.t.Helper()
	var rows []store.Access
	require.NoError(s.t, s.store.DB.Where("request_id = ? AND what = 'package'", uuid.MustParse(id)).Order("id").Find(&rows).Error)
	var out []string
	for _, r := range rows {
		f := "<none>"
		if r.Factor != nil {
			f = *r.Factor
		}
		out = append(out, r.Actor+"/"+f)
	}
	return out
}

var codeInMail = regexp.MustCompile(`\b(\d{8})\b`)

// TestSpecialPackageNeedsSecondFactor: a package holding special
// categories of data is not released by the status link alone. The reply
// went by Digital Post, so the one-time code goes by e-mail; without it the
// download is refused (a HEAD neither downloads nor uses anything up), with
// it the package comes and the access log says which factor released it.
// Wrong codes are limited per code and per package, a code is used once,
// and codes are sent at most once a minute.
func TestSpecialPackageNeedsSecondFactor(t *testing.T) {
	clk := &clock{at: time.Now()}
	s := newStack(t, stackOptions{now: clk.now})
	g := &gateway{t: t, seen: map[string]bool{}}
	gw := httptest.NewServer(g)
	t.Cleanup(gw.Close)
	sourceSystem(t, s, specialCaseNotes, func(c *controllers.Controller) {
		c.Delivery.DigitalPost = &policy.Gateway{URL: gw.URL + "/memo", SenderID: "29189978"}
	})
	id, token := s.grantedAccess()
	tp := map[string]string{"token": token}
	var pkg store.Package
	require.NoError(t, s.store.DB.First(&pkg, "request_id = ?", id).Error)
	require.True(t, pkg.Special, "the package has rows of a special-category dataset")
	require.ElementsMatch(t, []string{"sag/case_notes", "sag/newsletter"}, pkg.Datasets)

	st := s.call(http.MethodGet, "/v1/status/{token}", tp, nil, "")
	require.Equal(t, "email", st.body["requests"].([]any)[0].(map[string]any)["package"].(map[string]any)["code_by"],
		"the reply went by Digital Post: the code goes by e-mail")
	_, page := s.page("/status/" + token)
	require.Contains(t, page, `action="/status/`+token+`/package/code"`, "the page offers a code")
	require.NotContains(t, page, `href="/v1/status/`+token+`/package"`, "and no plain link")

	// The link alone: refused, and a HEAD is no download.
	get := s.call(http.MethodGet, "/v1/status/{token}/package", tp, nil, "")
	require.Equal(t, http.StatusForbidden, get.status, "%s", get.raw)
	require.Equal(t, "package-code-required", get.problemRule())
	resp, body := s.raw(http.MethodHead, "/v1/status/"+token+"/package", "")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Empty(t, body)
	noCode := s.call(http.MethodPost, "/v1/status/{token}/package", tp, map[string]any{"code": "12345678"}, "")
	require.Equal(t, http.StatusForbidden, noCode.status)
	require.Equal(t, "package-code-required", noCode.problemRule(), "no code was sent yet")
	require.Empty(t, s.packageReads(id))

	sendCode := func() string {
		t.Helper()
		before := len(s.mail.Messages())
		sent := s.call(http.MethodPost, "/v1/status/{token}/package/code", tp, map[string]any{}, "")
		require.Equal(t, http.StatusAccepted, sent.status, "%s", sent.raw)
		require.Equal(t, "email", sent.str("channel"))
		var msg string
		require.Eventually(t, func() bool {
			all := s.mail.Messages()
			for _, m := range all[before:] {
				if m.To[0] == "Test.Person@Example.DK" && strings.Contains(m.Subject, "Engangskode") {
					msg = m.Text
				}
			}
			return msg != ""
		}, 10*time.Second, 20*time.Millisecond)
		code := codeInMail.FindStringSubmatch(msg)
		require.NotNil(t, code, "%s", msg)
		return code[1]
	}
	wrong := func(code string) string {
		if code == "00000000" {
			return "00000001"
		}
		return "00000000"
	}
	tryCode := func(code string) response {
		t.Helper()
		return s.call(http.MethodPost, "/v1/status/{token}/package", tp, map[string]any{"code": code}, "")
	}

	first := sendCode()
	var kept store.PackageCode
	require.NoError(t, s.store.DB.First(&kept, "request_id = ?", id).Error)
	require.NotContains(t, string(kept.CodeHash), first, "only a keyed hash is kept")
	require.Len(t, kept.CodeHash, 32)
	again := s.call(http.MethodPost, "/v1/status/{token}/package/code", tp, map[string]any{}, "")
	require.Equal(t, http.StatusTooManyRequests, again.status, "one code a minute")
	require.Equal(t, "package-code-sends", again.problemRule())
	require.NotEmpty(t, again.header.Get("Retry-After"))

	// Five wrong tries use a code up.
	for i := range 5 {
		r := tryCode(wrong(first))
		require.Equal(t, http.StatusForbidden, r.status, "%s", r.raw)
		require.Equal(t, "package-code-wrong", r.problemRule(), "try %d", i+1)
	}
	used := tryCode(first)
	require.Equal(t, http.StatusForbidden, used.status)
	require.Equal(t, "package-code-required", used.problemRule(), "the code is void after five wrong tries")

	// Ten wrong tries a day close the package to codes.
	clk.add(61 * time.Second)
	second := sendCode()
	for range 5 {
		require.Equal(t, "package-code-wrong", tryCode(wrong(second)).problemRule())
	}
	clk.add(61 * time.Second)
	third := sendCode()
	limited := tryCode(third)
	require.Equal(t, http.StatusTooManyRequests, limited.status, "%s", limited.raw)
	require.Equal(t, "package-code-attempts", limited.problemRule(), "even the right code, after ten wrong ones today")
	require.NotEmpty(t, limited.header.Get("Retry-After"))
	require.Empty(t, s.packageReads(id), "nothing was downloaded")

	// A day later: the right code releases the package, once.
	clk.add(25 * time.Hour)
	fourth := sendCode()
	ok := tryCode(fourth)
	require.Equal(t, http.StatusOK, ok.status, "%s", ok.raw)
	require.Equal(t, "application/zip", ok.header.Get("Content-Type"))
	require.Contains(t, unzip(t, ok.raw)["sag/case_notes.csv"], "journal")
	require.Equal(t, "package-code-required", tryCode(fourth).problemRule(), "a code is used once")
	require.Equal(t, []string{"subject/link+code:email"}, s.packageReads(id), "the access log names the factor")
	log := s.call(http.MethodGet, "/v1/requests/{id}/access-log", map[string]string{"id": id}, nil, tokDPO)
	require.Contains(t, string(log.raw), `"factor":"link+code:email"`)

	// From the status page: a wrong code is shown beside its field, the
	// right one downloads.
	clk.add(2 * time.Minute)
	resp, page = s.page("/status/" + token)
	m := csrfField.FindStringSubmatch(page)
	require.NotNil(t, m)
	cookies := resp.Cookies()
	resp, _ = s.postForm("/status/"+token+"/package/code", url.Values{"_csrf": {m[1]}}, cookies...)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	fifth := ""
	require.Eventually(t, func() bool {
		var last string
		for _, msg := range s.mail.Messages() {
			if strings.Contains(msg.Subject, "Engangskode") {
				last = codeInMail.FindString(msg.Text)
			}
		}
		fifth = last
		return last != "" && last != fourth
	}, 10*time.Second, 20*time.Millisecond)
	resp, page = s.postForm("/status/"+token+"/package", url.Values{"_csrf": {m[1]}, "code": {wrong(fifth)}}, cookies...)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, page, `<a href="#code">Koden er forkert`)
	resp, zipped := s.postForm("/status/"+token+"/package", url.Values{"_csrf": {m[1]}, "code": {fifth}}, cookies...)
	require.Equal(t, http.StatusOK, resp.StatusCode, zipped)
	require.Contains(t, unzip(t, []byte(zipped)), "summary.txt")
	require.Equal(t, []string{"subject/link+code:email", "subject/link+code:email"}, s.packageReads(id))
}

// TestSpecialPackageWithoutSecondChannel: a controller that reaches its
// citizens by e-mail only has no second channel for a code: a package with
// special categories is not released by the link at all; the reply says
// to ask for it, and staff still fetch it to hand it over.
func TestSpecialPackageWithoutSecondChannel(t *testing.T) {
	s := newStack(t)
	sourceSystem(t, s, specialCaseNotes)
	id, token := s.grantedAccess()
	tp := map[string]string{"token": token}
	reply := s.mailTo("Test.Person@Example.DK", "Svar på din anmodning om indsigt", 1)[0]
	require.NotContains(t, reply.Text, "/package", "no link to the package")
	require.Contains(t, reply.Text, "kontakt os med referencen")

	get := s.call(http.MethodGet, "/v1/status/{token}/package", tp, nil, "")
	require.Equal(t, http.StatusForbidden, get.status)
	require.Equal(t, "package-not-by-link", get.problemRule())
	code := s.call(http.MethodPost, "/v1/status/{token}/package/code", tp, map[string]any{}, "")
	require.Equal(t, http.StatusForbidden, code.status)
	require.Equal(t, "package-not-by-link", code.problemRule(), "a code by the link's own channel would be no second factor")
	st := s.call(http.MethodGet, "/v1/status/{token}", tp, nil, "")
	require.Equal(t, true, st.body["requests"].([]any)[0].(map[string]any)["package"].(map[string]any)["not_by_link"])

	resp, _ := s.raw(http.MethodGet, "/v1/requests/"+id+"/package", tokCaseworker)
	require.Equal(t, http.StatusOK, resp.StatusCode, "staff hand it over")
	require.Equal(t, []string{"token:cw1/staff"}, s.packageReads(id))
}

// TestErasureDestroysEarlierPackages: an access package of the person is
// destroyed when a later erasure erases data it holds: the sealed chunks
// are gone, downloads answer 410 Gone, the status page says so, and both
// requests' timelines record it.
func TestErasureDestroysEarlierPackages(t *testing.T) {
	s := newStack(t)
	sourceSystem(t, s)
	access, token := s.grantedAccess()
	tp := map[string]string{"token": token}
	resp, _ := s.raw(http.MethodGet, "/v1/status/"+token+"/package", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "the package is there before the erasure")
	var ref string
	require.NoError(t, s.store.DB.Model(&store.Request{}).Where("id = ?", access).Pluck("reference", &ref).Error)

	erasure := letter("erasure", "")
	delete(erasure, "received_at")
	erasure["subject"].(map[string]any)["email"] = "another.address@example.dk" // the same person by CPR
	id := s.identified(erasure)
	d := s.call(http.MethodPost, "/v1/requests/{id}/decision", map[string]string{"id": id}, map[string]any{"outcome": "grant", "assessment": "No duty keeps the notes."}, tokCaseworker)
	require.Equal(t, http.StatusOK, d.status, "%s", d.raw)
	s.waitStage(id, "closed")

	var chunks int64
	require.NoError(t, s.store.DB.Model(&store.PackageChunk{}).Where("request_id = ?", access).Count(&chunks).Error)
	require.Zero(t, chunks, "the sealed chunks are gone")
	gone := s.call(http.MethodGet, "/v1/status/{token}/package", tp, nil, "")
	require.Equal(t, http.StatusGone, gone.status, "%s", gone.raw)
	require.Equal(t, "package-destroyed", gone.problemRule())
	require.Equal(t, "application/problem+json", gone.header.Get("Content-Type"))
	staff := s.call(http.MethodGet, "/v1/requests/{id}/package", map[string]string{"id": access}, nil, tokCaseworker)
	require.Equal(t, http.StatusGone, staff.status)
	st := s.call(http.MethodGet, "/v1/status/{token}", tp, nil, "")
	require.Equal(t, true, st.body["requests"].([]any)[0].(map[string]any)["package"].(map[string]any)["destroyed"])
	_, page := s.page("/status/" + token)
	require.Contains(t, page, "Pakken med dine oplysninger er slettet")

	timeline := func(id string) map[string]map[string]any {
		got := s.call(http.MethodGet, "/v1/requests/{id}", map[string]string{"id": id}, nil, tokCaseworker)
		out := map[string]map[string]any{}
		for _, e := range got.body["timeline"].([]any) {
			e := e.(map[string]any)
			data, _ := e["data"].(map[string]any)
			out[e["action"].(string)] = data
		}
		return out
	}
	destroyed, ok := timeline(id)["packages.destroyed"]
	require.True(t, ok, "the erasure's timeline says so")
	require.Equal(t, []any{ref}, destroyed["requests"])
	require.Contains(t, timeline(access), "package.destroyed", "and the access request's")
}

// TestKnownEmailMustBeHeld: the identity method known_email holds only for
// an address the controller holds, together with the other identifiers the
// request gives: an address found nowhere is refused naming the rule, as is
// a known address beside another person's CPR number; an address held with
// the CPR number in a source system, or on an earlier request whose
// identity was verified, is accepted. The case view shows what each
// identifier matched.
func TestKnownEmailMustBeHeld(t *testing.T) {
	s := newStack(t, stackOptions{devLogin: true})
	src := sourceSystem(t, s, func(c *controllers.Controller) {
		c.Systems[0].Datasets = append(c.Systems[0].Datasets, policy.Dataset{ID: "contacts", Name: "Kontakter", Table: "src.contacts",
			Keys: map[string]string{"cpr": "cpr", "email": "email"}, Purposes: []string{"Beskæftigelsesindsats"}, LegalBasis: []string{"6(1)(e)"},
			Recipients: []string{}, Retention: "5 år", Erase: policy.Erasure{Strategy: "delete"}})
	})
	_, err := src.Exec(context.Background(), `CREATE TABLE src.contacts (id serial PRIMARY KEY, cpr text, email text);
INSERT INTO src.contacts (cpr, email) VALUES ('070761-4285', 'Test.Person@example.dk')`)
	require.NoError(t, err)
	pending := func(email string) string {
		t.Helper()
		m := letter("access", "2026-11-02")
		m["subject"].(map[string]any)["email"] = email
		r := s.intake(m, tokCaseworker)
		require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
		s.waitStage(r.str("id"), "identity")
		return r.str("id")
	}
	knownEmail := func(id string) response {
		t.Helper()
		return s.call(http.MethodPost, "/v1/requests/{id}/identity", map[string]string{"id": id}, map[string]any{"method": "known_email"}, tokCaseworker)
	}

	// An address found nowhere, beside a CPR number that finds data.
	stranger := pending("stranger@example.net")
	r := knownEmail(stranger)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r.raw)
	require.Equal(t, "identity-known-email-unmatched", r.problemRule())
	require.NotContains(t, r.str("detail"), "stranger@example.net", "no personal data in the problem")
	s.waitStage(stranger, "identity")
	matches := s.call(http.MethodGet, "/v1/requests/{id}/identifier-matches", map[string]string{"id": stranger}, nil, tokCaseworker)
	require.Equal(t, http.StatusOK, matches.status, "%s", matches.raw)
	byKind := map[string]map[string]any{}
	for _, m := range matches.body["identifiers"].([]any) {
		byKind[m.(map[string]any)["kind"].(string)] = m.(map[string]any)
	}
	require.Empty(t, byKind["email"]["datasets"])
	require.Len(t, byKind["cpr"]["datasets"], 2, "case notes and contacts")
	require.Equal(t, false, matches.body["known_email"].(map[string]any)["holds"])

	// A known address (on the newsletter), but never with this CPR number.
	ole := pending("ole@example.dk")
	r = knownEmail(ole)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r.raw)
	require.Equal(t, "identity-known-email-unlinked", r.problemRule())

	// Held with the CPR number in a source system (any case).
	held := pending("test.person@example.dk")
	r = knownEmail(held)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	s.waitStage(held, "assessment")

	// At intake, by a portal's token: the same rule, and nothing written.
	var before int64
	require.NoError(t, s.store.DB.Model(&store.Request{}).Count(&before).Error)
	m := letter("access", "2026-11-02")
	m["subject"].(map[string]any)["email"] = "stranger@example.net"
	m["identity"] = map[string]any{"method": "known_email"}
	in := s.intake(m, tokCaseworker)
	require.Equal(t, http.StatusUnprocessableEntity, in.status, "%s", in.raw)
	require.Equal(t, "identity-known-email-unmatched", in.problemRule())
	var after int64
	require.NoError(t, s.store.DB.Model(&store.Request{}).Count(&after).Error)
	require.Equal(t, before, after)

	// Held on an earlier request of the person whose identity was
	// verified another way.
	m = letter("erasure", "2026-11-02")
	m["subject"].(map[string]any)["email"] = "new.address@example.dk"
	s.identified(m)
	later := pending("new.address@example.dk")
	r = knownEmail(later)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)

	// The case view shows what each identifier matched, and the refusal
	// beside the form.
	b := s.browserless(t)
	b.devLogin("cw1")
	_, body := b.get("/staff/requests/" + ole + "?lang=en")
	require.Contains(t, body, `id="identifier-matches"`)
	require.Contains(t, body, `data-known-email="identity-known-email-unlinked"`)
	require.Contains(t, body, "Sagssystem/Nyhedsbrev: 1")
	require.Contains(t, body, "Sagssystem/Sagsnotater: 2")
	resp, body := b.post("/staff/requests/"+ole+"/actions/identity", url.Values{"method": {"known_email"}, "_key": {uuid.NewString()}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, body, "never together with the request")
}
