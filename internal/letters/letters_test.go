package letters

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/policy"
)

var update = flag.Bool("update", false, "write the golden files anew")

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func no() *bool { f := false; return &f }

// controllerDK is a fictional Danish municipality; controllerSE a Swedish one.
func controllerDK() Controller {
	return Controller{
		Name: "Demo Kommune", Country: "DK", PublicAuthority: true,
		DPO:       policy.Contact{Name: "Databeskyttelsesrådgiver", Email: "dpo@demo-kommune.example"},
		Authority: policy.DefaultAuthority["DK"],
		Record: &policy.Record{AutomatedDecisions: no(), Purposes: []policy.Purpose{{
			Name: "Beskæftigelsesindsats", LegalBasis: []string{"6(1)(e)", "9(2)(b)"}, SpecialCategories: true,
			Categories: []string{"kontaktoplysninger", "helbredsoplysninger"}, Recipients: []string{"Udbetaling Danmark"},
			Retention: "5 år efter sagens afslutning", Source: "dig og din a-kasse",
		}, {
			Name: "Nyhedsbrev", LegalBasis: []string{"6(1)(a)"}, Categories: []string{"e-mailadresse"}, Recipients: []string{},
			Retention: "til samtykket trækkes tilbage", Source: "dig",
		}}},
	}
}

func controllerSE() Controller {
	c := controllerDK()
	c.Name, c.Country = "Demo Kommun", "SE"
	c.DPO = policy.Contact{Name: "Dataskyddsombud", Email: "dso@demo-kommun.example"}
	c.Authority = policy.DefaultAuthority["SE"]
	return c
}

// sample is the data of a letter of kind: every fact any template uses.
func sample(kind Kind, lang string, c Controller) Data {
	ext := day("2026-04-28")
	d := Data{
		Language: lang, Controller: c, Recipient: "Åse Østergård-Ähnlund", Today: day("2026-02-10"),
		Request: Request{Reference: "RD-2026-000042", Kind: "access", ReceivedOn: day("2026-01-31"), DueOn: day("2026-02-28"),
			StatutoryDueOn: day("2026-03-02"), StatusURL: "https://rights.example/v1/status/abc", Link: "https://rights.example/requests/42"},
		Decision: &Decision{Outcome: "grant", Assessment: "Der er ingen opbevaringspligt."},
	}
	switch kind {
	case Extension, Preliminary:
		d.Request.ExtendedDueOn = &ext
		d.Extension = &ExtensionFacts{Reason: "complexity", Explanation: "Sagen findes i fire fagsystemer."}
	case InformationRequest, ClosureNoAnswer:
		d.Information = &Information{Purpose: "identity", What: "Log ind med MitID på statussiden.", TimeoutDays: 30}
	case Refusal:
		d.Request.Kind = "erasure"
		d.Decision = &Decision{Outcome: "refuse", Grounds: []string{"17(3)(b)", "17(3)(e)"}, Assessment: "Journalpligt efter arkivloven."}
	case ReplyErasure:
		d.Request.Kind = "erasure"
		d.Decision = &Decision{Outcome: "partial", Grounds: []string{"17(3)(b)"}, Assessment: "Journalen skal bevares."}
		d.Erasure = &Erasure{Erased: []string{"nyhedsbrevets modtagerliste"}, Kept: []Kept{{What: "sagsakter", Why: "arkivloven § 21"}}}
	case ReplyAccess, ReplyRectification, ReplyRestriction, RestrictionLifting, ReplyPortability, ReplyObjection, ReplyConsentWithdrawal:
		d.Request.Kind = strings.TrimPrefix(string(kind), "reply_")
		if kind == ReplyAccess || kind == ReplyPortability {
			d.Request.PackageURL, d.Request.PackageUntil = "https://rights.example/v1/status/abc/package", day("2026-03-12")
		}
		if kind == RestrictionLifting {
			d.Request.Kind = "restriction"
		}
		if kind == ReplyObjection {
			d.Objection = &Objection{Stopped: []string{"Nyhedsbrev"}, Outside: []string{"Indberetning til Udbetaling Danmark"}}
		}
	case PackageCode:
		d.Code = &Code{Value: "48213907", Minutes: 15}
	case NoticeReminder, NoticeRefusalReminder:
		d.Notice = &Notice{DaysLeft: 7}
		d.Request.ExtendedDueOn = &ext
	case NoticeBreach:
		d.Notice = &Notice{DaysLeft: -3}
	case NoticeEscalation:
		d.Notice = &Notice{}
	case NoticeAttention:
		d.Notice = &Notice{Step: "reply"}
	case RecipientNotice:
		d.Request.Kind = "erasure"
		d.Disclosure = &Disclosure{Recipient: "Udbetaling Danmark", Action: "erased", Person: "Åse Østergård-Ähnlund",
			Email: "aase@example.dk", Datasets: []string{"Sagsnotater", "Ydelser"}}
	case NoticeDigest:
		d.Notice = &Notice{Items: []DigestItem{
			{Reference: "RD-2026-000042", Kind: "access", DueOn: day("2026-02-28"), Breached: true, Link: "https://rights.example/requests/42"},
			{Reference: "RD-2026-000043", Kind: "erasure", DueOn: day("2026-03-04"), Link: "https://rights.example/requests/43"},
		}}
	}
	return d
}

func allKinds() []Kind {
	return append(append(append([]Kind{}, SubjectKinds...), StaffKinds...), RecipientKinds...)
}

// TestGolden renders every kind in every language, text and HTML, against
// the golden files: a changed template changes a golden file, for review.
// go test ./internal/letters -update writes them anew.
func TestGolden(t *testing.T) {
	for _, lang := range Languages {
		c := controllerDK()
		if lang == "sv" {
			c = controllerSE()
		}
		for _, kind := range allKinds() {
			l, err := Renderer{}.Render(kind, sample(kind, lang, c))
			require.NoError(t, err, "%s/%s", lang, kind)
			require.NotEmpty(t, l.Subject)
			for ext, got := range map[string]string{"txt": l.Text, "html": l.HTML} {
				path := filepath.Join("testdata", "golden", lang, string(kind)+"."+ext)
				if *update {
					require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
					require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
					continue
				}
				want, err := os.ReadFile(path)
				require.NoError(t, err, "run go test ./internal/letters -update to write %s", path)
				require.Equal(t, string(want), got, "%s differs from its golden file", path)
			}
		}
	}
}

// TestEveryKindInEveryLanguage: no kind lacks a language.
func TestEveryKindInEveryLanguage(t *testing.T) {
	for _, lang := range Languages {
		for _, kind := range allKinds() {
			_, err := embedded.ReadFile("templates/" + lang + "/" + string(kind) + ".html")
			require.NoError(t, err, "%s/%s", lang, kind)
		}
	}
	_, err := Renderer{}.Render("love_letter", sample(Receipt, "da", controllerDK()))
	require.ErrorIs(t, err, ErrUnknown)
	_, err = Renderer{}.Render(Receipt, sample(Receipt, "de", controllerDK()))
	require.ErrorIs(t, err, ErrUnknown)
}

// TestAccessReplyHasEveryArticle15Item: purposes, legal bases, categories,
// recipients by name, retention, source, the explicit word on automated
// decisions, the other rights and the complaint, in every language.
func TestAccessReplyHasEveryArticle15Item(t *testing.T) {
	automated := map[string]string{"da": "Nej, vi træffer ikke afgørelser", "sv": "Nej, vi fattar inga beslut", "en": "No, we make no decisions"}
	bases := map[string][]string{"da": {"artikel 6, stk. 1, litra e", "artikel 9, stk. 2, litra b", "artikel 6, stk. 1, litra a"},
		"sv": {"artikel 6.1 e", "artikel 9.2 b", "artikel 6.1 a"}, "en": {"Article 6(1)(e)", "Article 9(2)(b)", "Article 6(1)(a)"}}
	for _, lang := range Languages {
		c := controllerDK()
		l, err := Renderer{}.Render(ReplyAccess, sample(ReplyAccess, lang, c))
		require.NoError(t, err)
		for _, p := range c.Record.Purposes {
			require.Contains(t, l.Text, p.Name, lang)
			for _, cat := range p.Categories {
				require.Contains(t, l.Text, cat, lang)
			}
			for _, r := range p.Recipients {
				require.Contains(t, l.Text, r, lang)
			}
			require.Contains(t, l.Text, p.Retention, lang)
			require.Contains(t, l.Text, p.Source, lang)
		}
		for _, b := range bases[lang] {
			require.Contains(t, l.Text, b, lang)
		}
		require.Contains(t, l.Text, automated[lang], lang)
		for _, art := range []string{"16", "17", "18", "21", "77", "79"} {
			require.Contains(t, l.Text, art, "%s: the rights and the complaint", lang)
		}
		require.Contains(t, l.Text, "Datatilsynet", lang)

		yes := true
		c.Record.AutomatedDecisions, c.Record.AutomatedLogic = &yes, "A score decides the order of the queue."
		l, err = Renderer{}.Render(ReplyAccess, sample(ReplyAccess, lang, c))
		require.NoError(t, err)
		require.Contains(t, l.Text, "A score decides the order of the queue.", lang)
	}
}

// TestRefusalsNameComplaintRemedyAndAppeal: every refusal, also a partial
// reply, names the authority, the courts, and for a Swedish public
// authority the appeal to the administrative court; a Danish one does not.
// TestPackageReleaseInTheReply: a package released with a one-time code
// is reached through the status page, and the reply says where the code
// goes; one with no channel for a code is not linked, and the reply says to
// ask for it.
func TestPackageReleaseInTheReply(t *testing.T) {
	want := map[string][2]string{"da": {"med Digital Post", "kontakt os med referencen"}, "sv": {"med Digital Post", "kontakta oss med referensen"},
		"en": {"by Digital Post", "contact us quoting the reference"}}
	for _, lang := range Languages {
		for _, kind := range []Kind{ReplyAccess, ReplyPortability} {
			d := sample(kind, lang, controllerDK())
			d.Request.PackageURL, d.Request.PackageCodeBy = "https://rights.example/status/abc", "digital_post"
			l, err := Renderer{}.Render(kind, d)
			require.NoError(t, err)
			require.Contains(t, l.Text, "https://rights.example/status/abc", "%s/%s", lang, kind)
			require.Contains(t, l.Text, want[lang][0], "%s/%s", lang, kind)
			d.Request.PackageURL, d.Request.PackageCodeBy, d.Request.PackageHeld = "", "", true
			l, err = Renderer{}.Render(kind, d)
			require.NoError(t, err)
			require.NotContains(t, l.Text, "https://rights.example/", "%s/%s", lang, kind)
			require.Contains(t, l.Text, want[lang][1], "%s/%s", lang, kind)
		}
	}
}

func TestRefusalsNameComplaintRemedyAndAppeal(t *testing.T) {
	appeal := map[string]string{"da": "forvaltningsretten (förvaltningsrätten)", "sv": "överklaga beslutet hos förvaltningsrätten", "en": "administrative court (förvaltningsrätten)"}
	remedy := map[string]string{"da": "indbringe sagen for domstolene (artikel 79)", "sv": "vända dig till domstol (artikel 79)", "en": "bring the matter before the courts (Article 79 GDPR)"}
	for _, lang := range Languages {
		for _, kind := range []Kind{Refusal, ReplyErasure} {
			se, err := Renderer{}.Render(kind, sample(kind, lang, controllerSE()))
			require.NoError(t, err)
			require.Contains(t, se.Text, "Integritetsskyddsmyndigheten (IMY)", "%s %s", lang, kind)
			require.Contains(t, se.Text, "https://www.imy.se")
			require.Contains(t, se.Text, remedy[lang])
			require.Contains(t, se.Text, appeal[lang], "%s %s: a Swedish authority names the appeal", lang, kind)
			require.Contains(t, se.Text, ground(lang, "17(3)(b)"))

			dk, err := Renderer{}.Render(kind, sample(kind, lang, controllerDK()))
			require.NoError(t, err)
			require.Contains(t, dk.Text, "Datatilsynet")
			require.Contains(t, dk.Text, remedy[lang])
			require.NotContains(t, dk.Text, "förvaltningsrätt", "%s %s: no Swedish appeal for a Danish body", lang, kind)

			private := controllerSE()
			private.PublicAuthority = false
			p, err := Renderer{}.Render(kind, sample(kind, lang, private))
			require.NoError(t, err)
			require.NotContains(t, p.Text, "förvaltningsrätt", "a Swedish company is no authority")
		}
	}
}

func ground(lang, code string) string { return grounds[lang][code] }

// TestNoticesCarryNoPersonalData: staff notices give the reference and the
// link, never the subject's name.
func TestNoticesCarryNoPersonalData(t *testing.T) {
	for _, lang := range Languages {
		for _, kind := range StaffKinds {
			l, err := Renderer{}.Render(kind, sample(kind, lang, controllerDK()))
			require.NoError(t, err)
			require.NotContains(t, l.Text, "Østergård", "%s %s", lang, kind)
			require.Contains(t, l.Text, "RD-2026-000042")
			require.Contains(t, l.Text, "https://rights.example/requests/42")
		}
	}
}

// TestRecipientNoticeSaysWhatWasDoneToWhom: an Art. 19 notice names the
// person, the action and the datasets in every language, each action in its
// own words, and needs its facts.
func TestRecipientNoticeSaysWhatWasDoneToWhom(t *testing.T) {
	words := map[string][]string{
		"da": {"slettet oplysningerne", "berigtiget oplysningerne", "begrænset behandlingen", "ophævet begrænsningen"},
		"sv": {"raderat uppgifterna", "rättat uppgifterna", "begränsat behandlingen", "upphävt begränsningen"},
		"en": {"erased this data", "rectified this data", "restricted the processing", "lifted the restriction"},
	}
	for _, lang := range Languages {
		for i, action := range []string{"erased", "rectified", "restricted", "lifted"} {
			d := sample(RecipientNotice, lang, controllerDK())
			d.Disclosure.Action = action
			l, err := Renderer{}.Render(RecipientNotice, d)
			require.NoError(t, err)
			require.Contains(t, l.Text, words[lang][i], "%s %s", lang, action)
			for j, other := range words[lang] {
				if j != i {
					require.NotContains(t, l.Text, other, "%s %s", lang, action)
				}
			}
			require.Contains(t, l.Text, "Åse Østergård-Ähnlund")
			require.Contains(t, l.Text, "aase@example.dk")
			require.Contains(t, l.Text, "Sagsnotater, Ydelser")
			require.Contains(t, l.Text, "Udbetaling Danmark")
			require.Contains(t, l.Text, "RD-2026-000042")
			require.Contains(t, l.Text, "19")
		}
	}
	d := sample(RecipientNotice, "da", controllerDK())
	d.Disclosure = nil
	_, err := Renderer{}.Render(RecipientNotice, d)
	require.Error(t, err)
}

// TestValuesAreEscaped: what a subject wrote cannot become markup.
func TestValuesAreEscaped(t *testing.T) {
	d := sample(InformationRequest, "en", controllerDK())
	d.Recipient = `<script>alert("x")</script>`
	d.Information.What = `<img src=x onerror=alert(1)>`
	l, err := Renderer{}.Render(InformationRequest, d)
	require.NoError(t, err)
	require.NotContains(t, l.HTML, "<script>")
	require.NotContains(t, l.HTML, "<img")
	require.Contains(t, l.HTML, "&lt;script&gt;")
	require.Contains(t, l.Text, `<script>alert("x")</script>`, "the text version shows what was written")

	// The subject line is text: a reference with & stays as written.
	d.Request.Reference = "A&B-1"
	l, err = Renderer{}.Render(InformationRequest, d)
	require.NoError(t, err)
	require.Equal(t, "We need information from you (A&B-1)", l.Subject)
	require.Contains(t, l.HTML, "<title>We need information from you (A&amp;B-1)</title>")
}

// TestOverride: a controller's directory replaces one template, or one
// block of it.
func TestOverride(t *testing.T) {
	over := fstest.MapFS{"da/receipt.html": {Data: []byte(`{{define "subject"}}Tak for din henvendelse{{end}}{{define "body"}}<p>Vi vender tilbage senest {{date .Request.DueOn}}.</p>{{end}}`)}}
	l, err := Renderer{Overrides: over}.Render(Receipt, sample(Receipt, "da", controllerDK()))
	require.NoError(t, err)
	require.Equal(t, "Tak for din henvendelse", l.Subject)
	require.Contains(t, l.Text, "Vi vender tilbage senest 28. februar 2026.")
	sv, err := Renderer{Overrides: over}.Render(Receipt, sample(Receipt, "sv", controllerSE()))
	require.NoError(t, err)
	require.Contains(t, sv.Subject, "Vi har tagit emot", "other languages keep the embedded template")

	// A file that defines only a block fills it; the rest of the letter is
	// the embedded one.
	std, err := Renderer{}.Render(ReplyAccess, sample(ReplyAccess, "da", controllerDK()))
	require.NoError(t, err)
	over = fstest.MapFS{"da/reply_access.html": {Data: []byte(`{{define "access_regime"}}<p>Også aktindsigt.</p>{{end}}`)}}
	l, err = Renderer{Overrides: over}.Render(ReplyAccess, sample(ReplyAccess, "da", controllerDK()))
	require.NoError(t, err)
	require.Equal(t, std.Subject, l.Subject)
	require.Equal(t, strings.Replace(std.HTML, "gratis.</p>", "gratis.</p><p>Også aktindsigt.</p>", 1), l.HTML)
}

// TestPDFReadsBack: every kind's PDF, read back by pdftotext, holds the
// letter's text with æøå and äö intact. They are rendered all at once, as
// the worker does, sharing the parsed fonts (the race detector in .ci/run
// watches that), and no letter's text shows up in another's.
func TestPDFReadsBack(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext (poppler-utils) is missing: .ci/run installs it")
		}
		t.Skip("pdftotext (Debian poppler-utils) is not installed")
	}
	type rendered struct {
		lang   string
		kind   Kind
		letter Letter
		pdf    []byte
		err    error
	}
	var all []*rendered
	for _, lang := range Languages {
		for _, kind := range SubjectKinds {
			c := controllerDK()
			if lang == "sv" {
				c = controllerSE()
			}
			l, err := Renderer{}.Render(kind, sample(kind, lang, c))
			require.NoError(t, err)
			all = append(all, &rendered{lang: lang, kind: kind, letter: l})
		}
	}
	var wg sync.WaitGroup
	for _, r := range all {
		wg.Go(func() {
			sender := controllerDK().Name
			if r.lang == "sv" {
				sender = controllerSE().Name
			}
			r.pdf, r.err = r.letter.PDF(sender)
		})
	}
	wg.Wait()
	for _, r := range all {
		lang, kind, l := r.lang, r.kind, r.letter
		require.NoError(t, r.err)
		require.True(t, bytes.HasPrefix(r.pdf, []byte("%PDF-")))
		cmd := exec.Command(bin, "-enc", "UTF-8", "-", "-")
		cmd.Stdin = bytes.NewReader(r.pdf)
		out, err := cmd.Output()
		require.NoError(t, err)
		got := strings.Join(strings.Fields(string(out)), " ")
		require.Contains(t, got, "Åse Østergård-Ähnlund", "%s/%s", lang, kind)
		require.Contains(t, got, "RD-2026-000042")
		require.Contains(t, got, strings.Join(strings.Fields(l.Subject), " "), "%s/%s", lang, kind)
		for _, b := range l.blocks {
			// Every paragraph's first words are there (lines may wrap).
			words := strings.Fields(b.text)
			require.Contains(t, got, strings.Join(words[:min(4, len(words))], " "), "%s/%s", lang, kind)
		}
		for _, other := range all {
			if other.lang == lang && other.kind != kind && other.letter.Subject != l.Subject {
				require.NotContains(t, got, strings.Join(strings.Fields(other.letter.Subject), " "), "%s/%s holds %s's subject", lang, kind, other.kind)
			}
		}
	}
}

// BenchmarkRenderHTML renders the longest letter (the access reply) as
// HTML and text.
func BenchmarkRenderHTML(b *testing.B) {
	d := sample(ReplyAccess, "da", controllerDK())
	for b.Loop() {
		if _, err := (Renderer{}).Render(ReplyAccess, d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderPDF renders the access reply and makes its PDF, and
// reports the PDF's size.
func BenchmarkRenderPDF(b *testing.B) {
	d := sample(ReplyAccess, "da", controllerDK())
	var size int
	for b.Loop() {
		l, err := Renderer{}.Render(ReplyAccess, d)
		if err != nil {
			b.Fatal(err)
		}
		pdf, err := l.PDF("Demo Kommune")
		if err != nil {
			b.Fatal(err)
		}
		size = len(pdf)
	}
	b.ReportMetric(float64(size), "pdf-bytes")
}
