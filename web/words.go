package web

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// The UI's words live in message files, one per language
// (locales/active.<lang>.toml), so a translator changes a word without
// touching Go, and are read through go-i18n, which picks a plural form by
// each language's CLDR rules.
//
//go:embed locales/active.*.toml
var locales embed.FS

// Words are a language's texts by key: what pages and templates look up
// with index .T "key" or T["key"]. A text with a count is not among them:
// Words.N writes it with the number.
type Words map[string]string

// langKey is where a Words keeps its own language, for Words.N. No
// message ID can be it: TOML keys of the catalogues are printable.
const langKey = "\x00lang"

// catalogue is the words of every language, loaded once from the files.
type catalogue struct {
	// words holds each language's texts without a count.
	words map[string]Words
	// localizers write the texts with a count, per language.
	localizers map[string]*i18n.Localizer
	// counted are the IDs of the texts with a count (plural forms).
	counted map[string]bool
	// files are each language's messages as its file gives them.
	files map[string][]*i18n.Message
}

var (
	catalogues = mustLoad()
	// words is every language's texts by key.
	words = catalogues.words
)

func mustLoad() *catalogue {
	c, err := loadCatalogue(locales, "locales")
	if err != nil {
		panic(err)
	}
	return c
}

// loadCatalogue reads active.<lang>.toml of every UI language in dir.
func loadCatalogue(fsys fs.FS, dir string) (*catalogue, error) {
	bundle := i18n.NewBundle(language.Danish)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	c := &catalogue{words: map[string]Words{}, localizers: map[string]*i18n.Localizer{}, counted: map[string]bool{},
		files: map[string][]*i18n.Message{}}
	for _, lang := range Languages {
		f, err := bundle.LoadMessageFileFS(fsys, path.Join(dir, "active."+lang+".toml"))
		if err != nil {
			return nil, fmt.Errorf("web: words: %w", err)
		}
		c.files[lang] = f.Messages
	}
	for _, lang := range Languages {
		loc := i18n.NewLocalizer(bundle, lang)
		w := Words{langKey: lang}
		for _, m := range c.files[lang] {
			if counted(m) {
				c.counted[m.ID] = true
				continue
			}
			text, err := loc.Localize(&i18n.LocalizeConfig{MessageID: m.ID})
			if err != nil {
				return nil, fmt.Errorf("web: words: %s: %s: %w", lang, m.ID, err)
			}
			w[m.ID] = text
		}
		c.words[lang], c.localizers[lang] = w, loc
	}
	return c, nil
}

// counted reports whether a message is a text with a count: it has a
// plural form besides other, or places the count.
func counted(m *i18n.Message) bool {
	return m.Zero != "" || m.One != "" || m.Two != "" || m.Few != "" || m.Many != "" || strings.Contains(m.Other, ".Count")
}

// N is the text of key with the count n in it, in the form the language
// uses for n ("1 dag tilbage", "3 dage tilbage"); key itself when the
// catalogue has no such text. Templates call it as {{.T.N "days.left" 3}}.
func (w Words) N(key string, n int) string {
	loc, ok := catalogues.localizers[w[langKey]]
	if !ok || !catalogues.counted[key] {
		missing(key)
		return key
	}
	text, err := loc.Localize(&i18n.LocalizeConfig{MessageID: key, PluralCount: n, TemplateData: map[string]any{"Count": n}})
	if err != nil {
		// A missing plural form in one language; the test of the
		// catalogues fails on it, so this is only a safety net.
		missing(key)
	}
	if text == "" {
		return key
	}
	return text
}

// Lang is the language the words are in.
func (w Words) Lang() string { return w[langKey] }

// onMissing, when set (by tests), hears of every key looked up through
// word, the template func word or Words.N that has no text.
var onMissing func(key string)

func missing(key string) {
	if onMissing != nil {
		onMissing(key)
	}
}

// word is a catalogue's text for key, or key itself when it has none.
func word(w Words, key string) string {
	if v, ok := w[key]; ok {
		return v
	}
	missing(key)
	return key
}

// Refusal is the words of a refused action: its rule's ("rule.<rule>"),
// else its problem type's ("type.<type>"); ok is false when neither has
// words, and the page shows the API's detail instead.
func (w Words) Refusal(rule, problemType string) (text string, ok bool) {
	if text, ok = w["rule."+rule]; ok && rule != "" {
		return text, true
	}
	if text, ok = w["type."+problemType]; ok && problemType != "" {
		return text, true
	}
	return "", false
}
