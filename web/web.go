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
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templates, "templates/layout.html", name)
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
}

// NewPage is the base of a page in the language the visitor chose.
func NewPage(c echo.Context, titleKey string) Page {
	lang := Language(c)
	w := words[lang]
	return Page{Lang: lang, Title: w[titleKey], Path: c.Request().URL.Path, T: w}
}

// Mount serves the static assets under /static/.
func Mount(e *echo.Echo) {
	sub, _ := fs.Sub(static, "static")
	h := http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	e.GET("/static/*", echo.WrapHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})))
}

// Owns reports whether a route path is a page or asset of the UI rather
// than the JSON API.
func Owns(path string) bool {
	return strings.HasPrefix(path, "/static/") || strings.HasPrefix(path, "/status/") || strings.HasPrefix(path, "/request/")
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
