package web

import (
	"bytes"
	"io/fs"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// TestEveryWordInEveryLanguage: no key is missing in a language, and every
// stage and right the status page can show has its words.
func TestEveryWordInEveryLanguage(t *testing.T) {
	for _, lang := range Languages {
		for key := range words["en"] {
			require.NotEmpty(t, words[lang][key], "%s: %s", lang, key)
		}
		require.Len(t, words[lang], len(words["en"]), lang)
		for _, st := range []workflows.Stage{workflows.StageReceived, workflows.StageIdentity, workflows.StageAssessment, workflows.StageFulfilment,
			workflows.StageReply, workflows.StageClosed, workflows.StageWithdrawn, workflows.StageForwarded} {
			require.NotEmpty(t, words[lang]["stage."+string(st)], "%s: stage %s", lang, st)
		}
		for _, k := range rights.Kinds {
			require.NotEmpty(t, words[lang]["right."+string(k)], "%s: right %s", lang, k)
		}
	}
}

// TestLanguageChoice: ?lang= wins and is remembered, then the cookie, then
// the browser's languages, then Danish; an unknown choice is ignored.
func TestLanguageChoice(t *testing.T) {
	e := echo.New()
	for _, tc := range []struct{ query, cookie, accept, want string }{
		{"", "", "", "da"},
		{"sv", "", "", "sv"},
		{"", "en", "sv", "en"},
		{"", "", "en-GB,en;q=0.8", "en"},
		{"", "", "de-DE", "da"},
		{"xx", "", "sv", "sv"},
		{"", "xx", "", "da"},
	} {
		req := httptest.NewRequest("GET", "/status/abc?lang="+tc.query, nil)
		if tc.cookie != "" {
			req.Header.Set("Cookie", "rd_lang="+tc.cookie)
		}
		if tc.accept != "" {
			req.Header.Set("Accept-Language", tc.accept)
		}
		rec := httptest.NewRecorder()
		require.Equal(t, tc.want, Language(e.NewContext(req, rec)), "%+v", tc)
		if tc.query == "sv" {
			require.Contains(t, rec.Header().Get("Set-Cookie"), "rd_lang=sv")
		}
	}
}

// TestPagesRender: every page renders in every language with the layout's
// landmarks; values are escaped.
func TestPagesRender(t *testing.T) {
	r, err := NewRenderer()
	require.NoError(t, err)
	for _, lang := range Languages {
		var b bytes.Buffer
		page := StatusPage{Page: Page{Lang: lang, Title: words[lang]["status.title"], Path: "/status/x", T: words[lang]}, Token: "tok", CSRF: "c<s>rf",
			Waiting: true, Withdrawable: true, Error: words[lang]["answer.invalid"], Field: "answer",
			Requests: []StatusItem{{Reference: "<RD-1>", Kind: "access", Stage: "closed", Closed: true,
				ReceivedOn: time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)}}}
		require.NoError(t, r.Render(&b, "status", page, nil))
		out := b.String()
		require.Contains(t, out, `<html lang="`+lang+`">`)
		require.Contains(t, out, `<main id="main"`)
		require.Contains(t, out, `href="#main"`, "a skip link")
		require.Contains(t, out, "&lt;RD-1&gt;")
		require.Contains(t, out, words[lang]["status.closed"])
		require.Contains(t, out, map[string]string{"da": "31. januar 2026", "sv": "31 januari 2026", "en": "31 January 2026"}[lang])
		require.Contains(t, out, `<a href="#answer">`, "the error summary links to its field")
		require.Contains(t, out, `aria-invalid="true"`)
		require.Contains(t, out, `<label for="answer">`)
		require.Contains(t, out, `name="_csrf" value="c&lt;s&gt;rf"`)
		require.Contains(t, out, `action="/status/tok/withdraw"`)
	}
	require.Error(t, r.Render(&bytes.Buffer{}, "nothing", nil, nil))
}

// TestChart: bars are scaled to the largest value; a month with nothing
// to divide shows no share rather than 0 %.
func TestChart(t *testing.T) {
	c := NewChart("x", "X", "Month", "Share", []string{"a", "b", "c"}, []float64{50, 100, -1}, Percent)
	if c.Bars[0].W != barSpace/2 || c.Bars[1].W != barSpace || c.Bars[2].W != 0 {
		t.Fatalf("widths %v %v %v", c.Bars[0].W, c.Bars[1].W, c.Bars[2].W)
	}
	if c.Bars[2].Text != "–" || c.Bars[0].Text != "50 %" {
		t.Fatalf("texts %q %q", c.Bars[0].Text, c.Bars[2].Text)
	}
	if c.Height != 3*barHeight || c.Bars[2].Y != 2*barHeight {
		t.Fatalf("height %d, y %v", c.Height, c.Bars[2].Y)
	}
	if got := Urgency(-1, 30); got != "overdue" {
		t.Fatal(got)
	}
	if got := Urgency(7, 30); got != "soon" {
		t.Fatal(got)
	}
	if got := Urgency(8, 30); got != "fine" {
		t.Fatal(got)
	}
}

// TestNoInlineScriptOrStyle: the pages hold no script but the embedded
// static file, no event handler attribute, no javascript: link and no
// style attribute or element, so the Content-Security-Policy (script-src
// and style-src 'self', nothing inline) takes nothing away from them.
func TestNoInlineScriptOrStyle(t *testing.T) {
	names, err := fs.Glob(templates, "templates/*.html")
	require.NoError(t, err)
	require.NotEmpty(t, names)
	script := regexp.MustCompile(`(?i)<script\b[^>]*>`)
	handler := regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	for _, name := range names {
		b, err := fs.ReadFile(templates, name)
		require.NoError(t, err)
		src := string(b)
		for _, tag := range script.FindAllString(src, -1) {
			require.Regexp(t, `src="/static/[a-z]+\.js"`, tag, "%s: only the embedded static script", name)
		}
		require.NotRegexp(t, handler, src, "%s: an inline event handler", name)
		require.NotContains(t, strings.ToLower(src), "javascript:", name)
		require.NotRegexp(t, `(?i)\sstyle\s*=|<style\b`, src, "%s: inline style", name)
	}
}
