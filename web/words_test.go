package web

import (
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/stretchr/testify/require"
)

// pluralCounts are counts that reach every plural form da, sv and en have
// (one, other) and the forms other languages add (zero, two, few, many),
// so a missing form of a language added later shows here.
var pluralCounts = []int{0, 1, 2, 3, 4, 5, 6, 11, 12, 21, 22, 25, 100, 101, 102, 111, 1000000}

// catalogueProblems is what is wrong with the catalogues in dir: a file
// that does not load, a key one language has and another lacks, an empty
// text, a text with a count in one language and without in another, a
// plural form a language needs for some count and lacks.
func catalogueProblems(fsys fs.FS, dir string) []string {
	c, err := loadCatalogue(fsys, dir)
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	all := map[string]bool{}
	ids := map[string]map[string]*i18n.Message{}
	for _, lang := range Languages {
		ids[lang] = map[string]*i18n.Message{}
		for _, m := range c.files[lang] {
			if _, dup := ids[lang][m.ID]; dup {
				out = append(out, fmt.Sprintf("%s: %s twice", lang, m.ID))
			}
			ids[lang][m.ID], all[m.ID] = m, true
		}
	}
	for _, id := range sortedKeys(all) {
		for _, lang := range Languages {
			m, ok := ids[lang][id]
			switch {
			case !ok:
				out = append(out, fmt.Sprintf("%s: no words for %s", lang, id))
			case counted(m) != c.counted[id]:
				out = append(out, fmt.Sprintf("%s: %s has a count in one language and not in another", lang, id))
			case !counted(m) && strings.TrimSpace(c.words[lang][id]) == "":
				out = append(out, fmt.Sprintf("%s: %s is empty", lang, id))
			case counted(m):
				for _, n := range pluralCounts {
					text, err := c.localizers[lang].Localize(&i18n.LocalizeConfig{MessageID: id, PluralCount: n,
						TemplateData: map[string]any{"Count": n}})
					if err != nil || strings.TrimSpace(text) == "" {
						out = append(out, fmt.Sprintf("%s: %s has no plural form for %d (%v)", lang, id, n, err))
						break
					}
				}
			}
		}
	}
	return out
}

// TestCataloguesAgree: the three catalogues hold the same keys, none
// empty, and every text with a count has the plural forms its language
// needs.
func TestCataloguesAgree(t *testing.T) {
	require.Empty(t, catalogueProblems(locales, "locales"))
	for _, lang := range Languages {
		require.Greater(t, len(words[lang]), 600, lang)
		require.Equal(t, lang, words[lang].Lang())
	}
	require.Equal(t, "1 dag tilbage", words["da"].N("days.left", 1))
	require.Equal(t, "3 dagar kvar", words["sv"].N("days.left", 3))
	require.Equal(t, "0 days left", words["en"].N("days.left", 0))
	require.Equal(t, "Overdue by 1 day", words["en"].N("days.overdue", 1))
	require.Equal(t, "nothing.here", words["en"].N("nothing.here", 2), "an unknown key falls back to itself")
}

// TestCatalogueCheckCatches: the check above fails on each way a
// catalogue can go wrong, shown on copies of the real files with one
// thing broken.
func TestCatalogueCheckCatches(t *testing.T) {
	real := map[string]string{}
	for _, lang := range Languages {
		b, err := fs.ReadFile(locales, "locales/active."+lang+".toml")
		require.NoError(t, err)
		real[lang] = string(b)
	}
	copyWith := func(lang, old, new string) fstest.MapFS {
		fsys := fstest.MapFS{}
		for l, s := range real {
			if l == lang {
				require.Contains(t, s, old, "the test edits what is there")
				s = strings.Replace(s, old, new, 1)
			}
			fsys["c/active."+l+".toml"] = &fstest.MapFile{Data: []byte(s)}
		}
		return fsys
	}
	require.Empty(t, catalogueProblems(copyWith("da", "", ""), "c"), "an unbroken copy passes")
	for _, tc := range []struct {
		name, lang, old, new, want string
	}{
		{"a key missing in one language", "sv", "\"rule.stage\" = ", "\"rule.stagex\" = ", "sv: no words for rule.stage"},
		{"a key only one language has", "en", "\"app\" = ", "\"only.english\" = \"x\"\n\"app\" = ", "da: no words for only.english"},
		{"an empty text", "da", "\"skip\" = \"Gå til indholdet\"", "\"skip\" = \"  \"", "da: skip is empty"},
		{"a missing plural form", "da", "one = \"{{.Count}} dag tilbage\", ", "", "da: days.left has no plural form for 1"},
		{"a count in one language only", "sv", "\"days.left\" = { one = \"{{.Count}} dag kvar\", other = \"{{.Count}} dagar kvar\" }",
			"\"days.left\" = \"dagar kvar\"", "sv: days.left has a count in one language and not in another"},
		{"a file that does not parse", "en", "\"app\" = ", "\"app\" = = ", "web: words"},
	} {
		got := catalogueProblems(copyWith(tc.lang, tc.old, tc.new), "c")
		require.NotEmpty(t, got, tc.name)
		require.True(t, slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, tc.want) }),
			"%s: want %q in %q", tc.name, tc.want, got)
	}
}

// TestRefusalWords: a refusal's words are its rule's, else its problem type's;
// without either the page shows the API's detail.
func TestRefusalWords(t *testing.T) {
	text, ok := words["da"].Refusal("grounds-partial-only", "rule-broken")
	require.True(t, ok)
	require.Contains(t, text, "delvist afslag")
	text, ok = words["sv"].Refusal("", "idempotency-key-reused")
	require.True(t, ok)
	require.Contains(t, text, "inget ändrades")
	_, ok = words["en"].Refusal("no-such-rule", "no-such-type")
	require.False(t, ok)
}

// sortedKeys lists a set for a message.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestBadgesCountInWords: the inbox's days-left badges write the count in
// the form its language uses for it, and no word the page looks up falls
// back to its key.
func TestBadgesCountInWords(t *testing.T) {
	var fellBack []string
	onMissing = func(key string) { fellBack = append(fellBack, key) }
	defer func() { onMissing = nil }()
	r, err := NewRenderer()
	require.NoError(t, err)
	days := func(n int) *int { return &n }
	want := map[string][]string{
		"da": {"1 dag tilbage", "12 dage tilbage", "Overskredet med 1 dag", "Overskredet med 3 dage"},
		"sv": {"1 dag kvar", "12 dagar kvar", "Försenad med 1 dag", "Försenad med 3 dagar"},
		"en": {"1 day left", "12 days left", "Overdue by 1 day", "Overdue by 3 days"},
	}
	for _, lang := range Languages {
		page := Inbox{Page: Page{Lang: lang, Title: words[lang]["inbox.title"], Path: "/staff", T: words[lang], Nav: &StaffNav{Name: "x", Caseworker: true}},
			Scope: "mine", Kinds: []string{"decide"}, Rights: []string{"access"}, Tasks: []InboxTask{
				{ID: "1", Kind: "decide", Right: "access", DaysLeft: days(1), Urgency: "soon"},
				{ID: "2", Kind: "fulfil", Right: "erasure", DaysLeft: days(12), Urgency: "fine"},
				{ID: "3", Kind: "verify_identity", Right: "objection", DaysLeft: days(-1), Urgency: "overdue"},
				{ID: "4", Kind: "attention", Right: "restriction", DaysLeft: days(-3), Urgency: "overdue"},
			}}
		var b strings.Builder
		require.NoError(t, r.Render(&b, "inbox", page, nil))
		for _, w := range want[lang] {
			require.Contains(t, b.String(), w, lang)
		}
	}
	require.Empty(t, fellBack, "words that fell back to their key")
}
