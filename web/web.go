// Package web is the server-rendered UI: html/template pages behind Echo's
// Renderer, in Danish, Swedish and English, with templates and assets
// embedded in the binary. Every page works without JavaScript. The pages
// are mounted on the API's Echo app and call the same services as the
// API, so there is no second copy of the rules.
package web

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

//go:embed templates/*.html
var templates embed.FS

//go:embed static
var static embed.FS

// Renderer renders the pages; each page is the layout with its own body.
type Renderer struct {
	pages map[string]*template.Template
}

// NewRenderer parses every page with the layout.
func NewRenderer() (*Renderer, error) {
	r := &Renderer{pages: map[string]*template.Template{}}
	names, err := fs.Glob(templates, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if base == "layout" || base == "partials" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templates, "templates/layout.html", "templates/partials.html", name)
		if err != nil {
			return nil, fmt.Errorf("web: %s: %w", name, err)
		}
		r.pages[base] = t
	}
	return r, nil
}

var funcs = template.FuncMap{
	// date writes a day as its language writes it.
	"date": func(lang string, t time.Time) string { return formatDate(lang, t) },
	// datep writes a day that may be missing.
	"datep": func(lang string, t *time.Time) string {
		if t == nil {
			return ""
		}
		return formatDate(lang, *t)
	},
	// stamp writes a moment to the minute, in the server's zone.
	"stamp": func(t time.Time) string { return t.Local().Format("2006-01-02 15:04") },
	// word looks a key up, falling back to the key itself.
	"word": func(w Words, prefix, key string) string {
		if v, ok := w[prefix+key]; ok {
			return v
		}
		missing(prefix + key)
		return key
	},
	"deref": func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	},
	"has":  func(list []string, v string) bool { return slices.Contains(list, v) },
	"add":  func(a, b float64) float64 { return a + b },
	"list": func(v ...string) []string { return v },
	"abs": func(n int) int {
		if n < 0 {
			return -n
		}
		return n
	},
	// pair is a badge's data: the words, the days left and the urgency.
	"pair": func(t Words, days *int, urgency string) badge { return badge{T: t, B: days, C: urgency} },
	// items is a request table's data.
	"items": func(p Page, rows []RequestRow) RowsView { return RowsView{Page: p, Items: rows} },
	// errFor is the refusal of a case form's field, if it is that one.
	"errFor": func(p CasePage, form, field string) string {
		if p.Form == form && p.Field == field {
			return p.Error
		}
		return ""
	},
	"act": func(p CasePage, n string) formPart { return formPart{P: p, N: n} },
	"fld": func(p CasePage, n, f string) formPart { return formPart{P: p, N: n, F: f} },
	"sel": func(p CasePage, n, f, prefix string, options []string) formPart {
		return formPart{P: p, N: n, F: f, Prefix: prefix, Options: options}
	},
	"lines": func(s string) []string { return strings.Split(s, "\n") },
	// codeForm is the status page's one-time code forms for one request.
	"codeForm": func(p StatusPage, it StatusItem) CodeForm { return CodeForm{P: p, I: it} },
	// val is what was entered in a case form's field, after a refusal.
	"val": func(p CasePage, form, field string) string {
		if p.Form == form {
			return p.Values[field]
		}
		return ""
	},
}

// formPart is a piece of a case view's form: the page, the form's name,
// a field and, for a choice, its options.
type formPart struct {
	P            CasePage
	N, F, Prefix string
	Options      []string
}

type badge struct {
	T Words
	B *int
	C string
}

// RowsView is a table of requests.
type RowsView struct {
	Page
	Items []RequestRow
}

// Render writes a page: data must be a *Page (or embed one).
func (r *Renderer) Render(w io.Writer, name string, data any, _ echo.Context) error {
	t, ok := r.pages[name]
	if !ok {
		return fmt.Errorf("web: no page %q", name)
	}
	return t.ExecuteTemplate(w, "layout.html", data)
}

// Page is what every page has: its language, its words, and its title.
type Page struct {
	Lang  string
	Title string
	// Path is the page's own path, for the language links.
	Path string
	T    Words
	// Nav is the header of a signed-in staff page; nil on the public pages.
	Nav *StaffNav
}

// NewPage is the base of a page in the language the visitor chose.
func NewPage(c echo.Context, titleKey string) Page {
	lang := Language(c)
	w := words[lang]
	return Page{Lang: lang, Title: w[titleKey], Path: PagePath(c.Request().Method, c.Request().URL.Path), T: w}
}

// Mount serves the static assets under /static/.
func Mount(e *echo.Echo) {
	sub, _ := fs.Sub(static, "static")
	h := http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	e.GET("/static/*", func(c echo.Context) error {
		// An asset that is not there is the door's 404 page (through the
		// app's error handler), not the file server's text.
		name := strings.TrimPrefix(c.Request().URL.Path, "/static/")
		if st, err := fs.Stat(sub, name); err != nil || st.IsDir() {
			return echo.ErrNotFound
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(c.Response(), c.Request())
		return nil
	})
}

// Owns reports whether a route path is a page or asset of the UI rather
// than the JSON API.
func Owns(path string) bool {
	return path == "/" || strings.HasPrefix(path, "/static/") || strings.HasPrefix(path, "/status/") || strings.HasPrefix(path, "/request/") ||
		strings.HasPrefix(path, "/staff")
}

// StatusPage is the citizen's status page: the requests of one letter,
// the form's CSRF token, and a problem with what was sent, with the form
// field it concerns.
type StatusPage struct {
	Page
	// Token is the status link's token; empty when it opens nothing.
	Token        string
	CSRF         string
	Requests     []StatusItem
	Waiting      bool
	Withdrawable bool
	// Error is the words of what went wrong, Field the form field.
	Error, Field string
	// Answer is what the subject wrote, kept when it is refused.
	Answer string
	// Package is set when a package can be downloaded.
	Package bool
	// Limited is set when the visitor is over the rate limit: the page
	// shows no request, only what they wrote, to send again later.
	Limited bool
}

// CodeForm is what the status page's one-time code forms need.
type CodeForm struct {
	P StatusPage
	I StatusItem
}

// StatusItem is one request on the status page: what GET
// /v1/status/{token} tells, as dates.
type StatusItem struct {
	Reference, Kind, Stage string
	ReceivedOn, DueOn      time.Time
	ExtendedDueOn          *time.Time
	WaitingForYou, Closed  bool
	Withdrawable           bool
	// PackageUntil is set while the request's access or portability
	// package can be downloaded.
	PackageUntil *time.Time
	// PackageCodeBy is set when the package is released only with a
	// one-time code: the channel the code goes by. CodeSent is when the
	// valid code was sent, if one was.
	PackageCodeBy string
	CodeSent      *time.Time
	// PackageNotByLink is set when the package needs a code and there is
	// no channel to send it by; PackageDestroyed when an erasure of the
	// data it held destroyed it.
	PackageNotByLink, PackageDestroyed bool
}

// RequestForm is the public request form of one controller, with what was
// entered and, after a refusal, each field's problem in the page's words.
type RequestForm struct {
	Page
	Controller, ControllerName string
	// NationalID names the national identity number the controller's
	// country uses: cpr or personnummer.
	NationalID string
	CSRF       string
	Kinds      []string
	Values     map[string]string
	Errors     []FormError
	Invalid    map[string]bool
	// Messages are each invalid field's problem, shown beside it.
	Messages map[string]string
}

// FormError is a form field's problem, for the error summary.
type FormError struct {
	Field, Message string
}

// Receipt is the page after a request was sent: its reference, when the
// answer is due, and the status link.
type Receipt struct {
	Page
	ControllerName string
	Reference      string
	Kind           string
	DueOn          time.Time
	StatusPath     string
}

// Home is the front page at /: the request form of each controller, the
// staff sign-in and the API's document.
type Home struct {
	Page
	Controllers []Person
	APIDocument string
}
