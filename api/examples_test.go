package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/rightsdesk/rightsdesk/examples"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/devtools/demosystem"
	"github.com/rightsdesk/rightsdesk/internal/devtools/mailcatch"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/internal/devtools/testenv"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// exampleRun is the embedded stack serving one shipped example: its
// controllers as the file describes them, its source database filled by
// its source.sql, its http stand-ins on loopback.
type exampleRun struct {
	*stack
	ex     *examples.Example
	source *pgxpool.Pool
	// gateway is the Digital Post stand-in, when the example sends by it.
	gateway *demosystem.Gateway
}

func runExample(t *testing.T, name string, opts ...stackOptions) *exampleRun {
	t.Helper()
	ctx := context.Background()
	s := newStack(t, opts...)
	ex, err := examples.Load(filepath.Join("..", "examples", name))
	require.NoError(t, err)
	e := &exampleRun{stack: s, ex: ex}
	if ex.SourceSQL != "" {
		dsn := pgtest.DSN(t)
		e.source, err = pgxpool.New(ctx, dsn)
		require.NoError(t, err)
		t.Cleanup(e.source.Close)
		_, err = e.source.Exec(ctx, ex.SourceSQL)
		require.NoError(t, err)
		for _, id := range ex.PostgresSystems() {
			s.systems.Set(id, dsn)
		}
	}
	for id, spec := range ex.StandIns {
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
		h, err := demosystem.NewSpec(e.source, secret, testenv.Logger(), spec)
		require.NoError(t, err)
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		ex.ServeStandIn(id, srv.URL)
		s.systems.SetSecret(id, secret)
		s.secrets[id] = secret
	}
	if ex.DigitalPost() {
		e.gateway = &demosystem.Gateway{Secret: webhookSecret, Exempt: ex.Exempt}
		srv := httptest.NewServer(e.gateway)
		t.Cleanup(srv.Close)
		ex.ServeGateway(srv.URL)
	}
	require.NoError(t, controllers.Sync(ctx, s.store, ex.Controllers))
	return e
}

// count counts rows in the example's source database.
func (e *exampleRun) count(sql string, args ...any) int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.source.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

// act sends a caseworker action as an admin of every controller.
func (e *exampleRun) act(id, action string, body map[string]any) response {
	e.t.Helper()
	r := e.call(http.MethodPost, "/v1/requests/{id}/"+action, map[string]string{"id": id}, body, tokAdmin)
	return r
}

// decide verifies identity (when asked) and decides, waiting for the stage.
func (e *exampleRun) decide(id string, decision map[string]any) {
	e.t.Helper()
	r := e.act(id, "decision", decision)
	require.Equal(e.t, http.StatusOK, r.status, "%s", r.raw)
}

// letterTo waits for the e-mail letter to an address whose subject holds a
// text, and returns its text.
func (e *exampleRun) letterTo(addr, subject string) mailcatch.Message {
	e.t.Helper()
	return e.mailTo(addr, subject, 1)[0]
}

// openTask is the ID of a request's open task of a kind.
func (e *exampleRun) openTask(id, kind string) string {
	e.t.Helper()
	var task string
	require.Eventually(e.t, func() bool {
		got := e.call(http.MethodGet, "/v1/requests/{id}", map[string]string{"id": id}, nil, tokAdmin)
		st, _ := got.body["state"].(map[string]any)
		if st == nil {
			return false
		}
		for _, tk := range st["tasks"].([]any) {
			if tk := tk.(map[string]any); tk["kind"] == kind && tk["status"] == "open" {
				task = tk["id"].(string)
				// The queue (the read model) has it too.
				var n int64
				e.store.DB.Model(&store.Task{}).Where("id = ? AND status = 'open'", uuid.MustParse(task)).Count(&n)
				return n == 1
			}
		}
		return false
	}, 20*time.Second, 50*time.Millisecond, "no open %s task", kind)
	return task
}

// runRetention runs the daily retention workflow now, through Temporal,
// as its schedule does.
func (e *exampleRun) runRetention() {
	e.t.Helper()
	ctx := context.Background()
	run, err := e.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "retention-" + uuid.NewString(), TaskQueue: e.taskQueue}, workflows.RetentionWorkflowType)
	require.NoError(e.t, err)
	var n int
	require.NoError(e.t, run.Get(ctx, &n))
}

// TestExamplesLoad: every shipped example, and the demo, loads and passes
// the checks start-up makes, so a broken example fails CI.
func TestExamplesLoad(t *testing.T) {
	names := examples.Names()
	require.Len(t, names, 5, "the five organisations")
	for _, name := range names {
		ex, err := examples.Load(filepath.Join("..", "examples", name))
		require.NoError(t, err, name)
		require.NotEmpty(t, ex.Controllers, name)
		dir := t.TempDir()
		extracted, err := examples.Extract(name, dir)
		require.NoError(t, err)
		_, err = examples.Load(extracted)
		require.NoError(t, err, "%s as rightsdesk dev extracts it", name)
	}
	_, err := controllers.Load(filepath.Join("..", "internal", "controllers", "demo.yaml"))
	require.NoError(t, err, "the demo")
}

// TestExampleJobcentreProcessor: the processor records a request and
// forwards it to its jobcentre with the first day of receipt; the
// jobcentre's partial erasure keeps the psychologist's notes of the last
// five years and names psykologloven in the reply; third-party documents
// go by themselves when the course ends; a withdrawn consent stops the
// exchange of information from then on.
func TestExampleJobcentreProcessor(t *testing.T) {
	e := runExample(t, "jobcentre-processor")
	ctx := context.Background()
	received := time.Now().AddDate(0, 0, -3).Format(time.DateOnly)
	r := e.intake(map[string]any{"controller": "kursusvej", "kind": "erasure", "channel": "letter", "received_at": received,
		"subject": map[string]any{"name": "Anna Hansen", "email": "anna.hansen@example.dk", "cpr": "070761-4285"}}, tokAdmin)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	e.waitStage(r.str("id"), "forwarded")
	list := e.callQuery("/v1/requests", "controller=jobcenter-vestby", tokAdmin)
	require.Len(t, list.body["items"], 1, "forwarded to the jobcentre")
	fwd := list.body["items"].([]any)[0].(map[string]any)
	require.Equal(t, received, fwd["received_at"], "the first day of receipt is kept: the jobcentre's month runs from it")
	id := fwd["id"].(string)
	e.waitStage(id, "identity")
	require.Equal(t, http.StatusOK, e.act(id, "identity", map[string]any{"method": "mitid"}).status)
	e.waitStage(id, "assessment")
	e.decide(id, map[string]any{"outcome": "partial", "grounds": []string{"17(3)(b)"},
		"assessment": "Psykologens optegnelser fra de seneste 5 år skal opbevares efter psykologloven § 14, stk. 2; resten slettes."})
	e.waitStage(id, "closed")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM forloeb.psykologdokumenter WHERE cpr = '070761-4285'`), "the recent report is kept")
	require.Equal(t, 0, e.count(`SELECT count(*) FROM forloeb.psykologdokumenter WHERE titel = 'Notat fra et tidligere forløb'`), "the seven-year-old note is gone")
	require.Equal(t, 0, e.count(`SELECT count(*) FROM forloeb.deltagere WHERE cpr = '070761-4285'`))
	require.Equal(t, 0, e.count(`SELECT count(*) FROM forloeb.tredjepartsdokumenter WHERE cpr = '070761-4285'`))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM forloeb.deltagere WHERE cpr = '010203-1234'`), "nobody else's")
	reply := e.letterTo("anna.hansen@example.dk", "Svar på din anmodning om sletning")
	require.Contains(t, reply.Text, "psykologloven § 14, stk. 2")
	require.Contains(t, reply.Text, "Psykologens optegnelser opbevares i 5 år fra sidste notat")
	require.Contains(t, reply.Text, "dpo@vestby.example", "the jobcentre's DPO")

	// The retention rule: third-party documents go when the course ends,
	// with no request; Bo's course is still running.
	_, err := e.source.Exec(ctx, `INSERT INTO forloeb.tredjepartsdokumenter (cpr, afsender, titel, modtaget, forloeb_slut)
		VALUES ('111111-1118', 'Egen læge', 'Attest', current_date - 40, current_date - 1)`)
	require.NoError(t, err)
	e.runRetention()
	require.Equal(t, 0, e.count(`SELECT count(*) FROM forloeb.tredjepartsdokumenter WHERE cpr = '111111-1118'`), "the course ended: the doctor's record is gone")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM rightsdesk_ledger WHERE step_key LIKE 'expire/jobcenter-vestby/tredjepartsdokumenter/%'`), "the run is on record")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM forloeb.tredjepartsdokumenter WHERE cpr = '010203-1234'`), "a running course keeps its documents")

	// Bo withdraws his consent to the exchange: it stops from now on.
	w := e.intake(map[string]any{"controller": "jobcenter-vestby", "kind": "consent_withdrawal", "channel": "letter", "identity": map[string]any{"method": "mitid"},
		"subject": map[string]any{"name": "Bo Jensen", "email": "bo.jensen@example.dk", "cpr": "010203-1234"},
		"details": map[string]any{"consents": []string{"Udveksling af oplysninger mellem jobcenter og Kursusvej"}}}, tokAdmin)
	require.Equal(t, http.StatusCreated, w.status, "%s", w.raw)
	wid := w.str("id")
	e.waitStage(wid, "assessment")
	e.decide(wid, map[string]any{"outcome": "grant", "assessment": "Samtykket trækkes tilbage; udvekslingen stopper."})
	followUp := e.openTask(wid, "fulfil")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM forloeb.udveksling WHERE cpr = '010203-1234' AND stoppet`), "the exchange is stopped")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM forloeb.psykologdokumenter WHERE cpr = '010203-1234'`), "only for the future: nothing is erased")
	done := e.call(http.MethodPost, "/v1/tasks/{id}/complete", map[string]string{"id": followUp}, map[string]any{"found": "Bo ønsker ikke sletning."}, tokAdmin)
	require.Equal(t, http.StatusOK, done.status, "%s", done.raw)
	e.waitStage(wid, "closed")
	require.NotEmpty(t, e.letterTo("bo.jensen@example.dk", "samtykke").Text)
}

var _ = strings.Contains

// TestExampleConsultancy: a one-person consultancy confirms identity by
// calling back and records it so; an erasure removes the customer, the
// whiteboard photos and the e-mails; a consent withdrawal removes the
// photos at once and nothing else; e-mails go a year after the contact
// ends with no request; a rectification changes the workplace.
func TestExampleConsultancy(t *testing.T) {
	e := runExample(t, "consultancy")
	r := e.intake(map[string]any{"controller": "samtalerum", "kind": "erasure", "channel": "phone",
		"subject": map[string]any{"name": "Mette", "phone": "+45 20 00 00 03", "email": "mette@example.dk"}}, tokAdmin)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	id := r.str("id")
	e.waitStage(id, "identity")
	v := e.act(id, "identity", map[string]any{"method": "phone_callback"})
	require.Equal(t, http.StatusOK, v.status, "%s", v.raw)
	require.Equal(t, "phone_callback", v.body["identity"].(map[string]any)["method"], "recorded as a call-back")
	e.decide(id, map[string]any{"outcome": "grant", "assessment": "Intet krav om at gemme oplysningerne."})
	e.waitStage(id, "closed")
	phone := "+45 20 00 00 03"
	require.Zero(t, e.count(`SELECT count(*) FROM kontor.kunder WHERE telefon = $1`, phone))
	require.Zero(t, e.count(`SELECT count(*) FROM kontor.tavlefotos WHERE telefon = $1`, phone))
	require.Zero(t, e.count(`SELECT count(*) FROM kontor.mails WHERE telefon = $1`, phone))
	require.Equal(t, 2, e.count(`SELECT count(*) FROM kontor.kunder`), "nobody else's")
	reply := e.letterTo("mette@example.dk", "Svar på din anmodning om sletning")
	require.Contains(t, reply.Text, "Billeder af tavlen (2)")
	require.Contains(t, reply.Text, "lise@samtalerum.example")

	// Sofie withdraws her consent to the photos: they go at once; her
	// customer row and e-mails stay.
	w := e.intake(map[string]any{"controller": "samtalerum", "kind": "consent_withdrawal", "channel": "email", "identity": map[string]any{"method": "phone_callback"},
		"subject": map[string]any{"name": "Sofie", "phone": "+45 20 00 00 05", "email": "sofie@example.dk"},
		"details": map[string]any{"consents": []string{"billeder af tavlen"}}}, tokAdmin)
	require.Equal(t, http.StatusCreated, w.status, "%s", w.raw)
	wid := w.str("id")
	e.waitStage(wid, "assessment")
	e.decide(wid, map[string]any{"outcome": "grant", "assessment": "Samtykket til billeder er trukket tilbage."})
	followUp := e.openTask(wid, "fulfil")
	require.Zero(t, e.count(`SELECT count(*) FROM kontor.tavlefotos WHERE telefon = '+45 20 00 00 05'`), "the photos went at once")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM kontor.kunder WHERE telefon = '+45 20 00 00 05'`))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM kontor.mails WHERE telefon = '+45 20 00 00 05'`))
	require.Equal(t, http.StatusOK, e.call(http.MethodPost, "/v1/tasks/{id}/complete", map[string]string{"id": followUp},
		map[string]any{"found": "Sofie ønsker ikke mere slettet."}, tokAdmin).status)
	e.waitStage(wid, "closed")
	withdrawn := e.letterTo("sofie@example.dk", "Dit samtykke er trukket tilbage")
	require.Contains(t, withdrawn.Text, "Billeder af tavlen (1)")

	// A year after Karl's contact ended, his e-mail goes by itself.
	e.runRetention()
	require.Zero(t, e.count(`SELECT count(*) FROM kontor.mails WHERE telefon = '+45 20 00 00 04'`))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM kontor.mails WHERE telefon = '+45 20 00 00 05'`), "a running contact keeps its mail")

	// Sofie's workplace is corrected where the map allows it.
	c := e.intake(map[string]any{"controller": "samtalerum", "kind": "rectification", "channel": "phone", "identity": map[string]any{"method": "phone_callback"},
		"subject": map[string]any{"name": "Sofie", "phone": "+45 20 00 00 05", "email": "sofie@example.dk"},
		"details": map[string]any{"corrections": []map[string]any{{"data": "arbejdssted", "correct": "Vestby Skole"}}}}, tokAdmin)
	require.Equal(t, http.StatusCreated, c.status, "%s", c.raw)
	cid := c.str("id")
	e.waitStage(cid, "assessment")
	e.decide(cid, map[string]any{"outcome": "grant", "assessment": "Arbejdsstedet er forkert."})
	fix := e.openTask(cid, "fulfil")
	corr := e.act(cid, "corrections", map[string]any{"system": "kontor", "dataset": "kunder", "values": map[string]string{"arbejdssted": "Vestby Skole"}})
	require.Equal(t, http.StatusOK, corr.status, "%s", corr.raw)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM kontor.kunder WHERE telefon = '+45 20 00 00 05' AND arbejdssted = 'Vestby Skole'`))
	require.Equal(t, http.StatusOK, e.call(http.MethodPost, "/v1/tasks/{id}/complete", map[string]string{"id": fix}, map[string]any{"found": "Rettet."}, tokAdmin).status)
	e.waitStage(cid, "closed")

	// Sofie objects to her e-mails being kept (legitimate interest): they
	// are flagged and used no more.
	o := e.intake(map[string]any{"controller": "samtalerum", "kind": "objection", "channel": "phone", "identity": map[string]any{"method": "phone_callback"},
		"subject": map[string]any{"name": "Sofie", "phone": "+45 20 00 00 05", "email": "sofie@example.dk"},
		"details": map[string]any{"purposes": []string{"Korrespondance"}}}, tokAdmin)
	require.Equal(t, http.StatusCreated, o.status, "%s", o.raw)
	e.waitStage(o.str("id"), "assessment")
	e.decide(o.str("id"), map[string]any{"outcome": "grant", "assessment": "Ingen tungtvejende grund til at fortsætte."})
	e.waitStage(o.str("id"), "closed")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM kontor.mails WHERE telefon = '+45 20 00 00 05' AND begraenset`))

	// Access: one package of what Lise holds about Sofie.
	a := e.intake(map[string]any{"controller": "samtalerum", "kind": "access", "channel": "phone", "identity": map[string]any{"method": "phone_callback"},
		"subject": map[string]any{"name": "Sofie", "phone": "+45 20 00 00 05", "email": "sofie@example.dk"}}, tokAdmin)
	require.Equal(t, http.StatusCreated, a.status, "%s", a.raw)
	e.waitStage(a.str("id"), "assessment")
	e.decide(a.str("id"), map[string]any{"outcome": "grant", "assessment": "Indsigt."})
	e.waitStage(a.str("id"), "closed")
	files := e.packageFiles(a.str("id"))
	require.Contains(t, files["kontor/kunder.json"], "Vestby Skole", "the corrected workplace")
	require.Contains(t, files["kontor/mails.json"], "Aflysning")
	require.NotEmpty(t, e.letterTo("sofie@example.dk", "Svar på din anmodning om indsigt").Text)
}

// packageFiles opens a request's access package: file name to content.
func (e *exampleRun) packageFiles(id string) map[string]string {
	e.t.Helper()
	pkg := e.call(http.MethodGet, "/v1/requests/{id}/package", map[string]string{"id": id}, nil, tokAdmin)
	require.Equal(e.t, http.StatusOK, pkg.status)
	zr, err := zip.NewReader(bytes.NewReader(pkg.raw), int64(len(pkg.raw)))
	require.NoError(e.t, err)
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(e.t, err)
		b, err := io.ReadAll(rc)
		require.NoError(e.t, err)
		rc.Close()
		out[f.Name] = string(b)
	}
	return out
}

// TestExampleCareProviderSE: a Swedish care provider refuses erasure of
// the care documentation the law keeps (Art. 17(3)(b)) and says so in
// Swedish with the laws; a newsletter consent withdrawal erases at once;
// an objection to direct marketing cannot be refused and stops it;
// restriction flags the records; every reply names IMY; the first copy is
// free.
func TestExampleCareProviderSE(t *testing.T) {
	e := runExample(t, "care-provider-se")
	eva := map[string]any{"name": "Eva Lind", "email": "eva.lind@example.se", "personnummer": "19121212-1212"}
	request := func(kind string, details map[string]any) string {
		t.Helper()
		body := map[string]any{"controller": "omsorg-vast", "kind": kind, "channel": "email", "identity": map[string]any{"method": "bankid"}, "subject": eva}
		if details != nil {
			body["details"] = details
		}
		r := e.intake(body, tokAdmin)
		require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
		e.waitStage(r.str("id"), "assessment")
		return r.str("id")
	}

	// The objection to direct marketing: a refusal is refused, a grant stops it.
	obj := request("objection", map[string]any{"purposes": []string{"Direktmarknadsföring"}})
	no := e.act(obj, "decision", map[string]any{"outcome": "refuse", "grounds": []string{"21(1)-compelling"}, "assessment": "Vi vill fortsätta."})
	require.Equal(t, http.StatusUnprocessableEntity, no.status, "%s", no.raw)
	require.Equal(t, "art-21-3-direct-marketing", no.problemRule())
	e.decide(obj, map[string]any{"outcome": "grant", "assessment": "Invändning mot direktmarknadsföring."})
	e.waitStage(obj, "closed")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM marknad.marknadsforing WHERE personnummer = '19121212-1212' AND sparrad`))
	require.Equal(t, 0, e.count(`SELECT count(*) FROM marknad.marknadsforing WHERE personnummer = '19780202-2389' AND sparrad`))

	// The newsletter: withdrawn, erased at once.
	wd := request("consent_withdrawal", map[string]any{"consents": []string{"Nyhetsbrev"}})
	e.decide(wd, map[string]any{"outcome": "grant", "assessment": "Samtycket återkallas."})
	followUp := e.openTask(wd, "fulfil")
	require.Zero(t, e.count(`SELECT count(*) FROM marknad.nyhetsbrev WHERE epost = 'eva.lind@example.se'`))
	require.Equal(t, http.StatusOK, e.call(http.MethodPost, "/v1/tasks/{id}/complete", map[string]string{"id": followUp}, map[string]any{"found": "Inget mer."}, tokAdmin).status)
	e.waitStage(wd, "closed")

	// Restriction: the records are flagged, nothing is erased.
	rs := request("restriction", map[string]any{"description": "Jag bestrider att uppgifterna är riktiga."})
	e.decide(rs, map[string]any{"outcome": "grant", "assessment": "Uppgifternas riktighet utreds."})
	e.waitStage(rs, "closed")
	require.Equal(t, 2, e.count(`SELECT count(*) FROM vard.dokumentation WHERE personnummer = '19121212-1212' AND sparrad`))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM vard.kunder WHERE personnummer = '19121212-1212' AND sparrad`))

	// Access: the first copy is free.
	ac := request("access", nil)
	e.decide(ac, map[string]any{"outcome": "grant", "assessment": "Registerutdrag."})
	e.waitStage(ac, "closed")
	access := e.letterTo("eva.lind@example.se", "Svar på din begäran om registerutdrag")
	require.Contains(t, access.Text, "Den första kopian är kostnadsfri")

	// Erasure: the care documentation is kept by law, the rest goes.
	er := request("erasure", nil)
	e.decide(er, map[string]any{"outcome": "partial", "grounds": []string{"17(3)(b)"},
		"assessment": "Dokumentationen ska bevaras enligt SoL, LSS och patientdatalagen; övrigt raderas."})
	e.waitStage(er, "closed")
	require.Equal(t, 2, e.count(`SELECT count(*) FROM vard.dokumentation WHERE personnummer = '19121212-1212'`), "kept by law")
	require.Zero(t, e.count(`SELECT count(*) FROM vard.kunder WHERE personnummer = '19121212-1212'`))
	require.Zero(t, e.count(`SELECT count(*) FROM marknad.marknadsforing WHERE personnummer = '19121212-1212'`))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM vard.kunder WHERE personnummer = '19780202-2389'`), "nobody else's")
	erasure := e.letterTo("eva.lind@example.se", "Svar på din begäran om radering")
	require.Contains(t, erasure.Text, "SoL 11 kap. 5 §, LSS 21 a § och patientdatalagen 3 kap. 17 §")
	require.Contains(t, erasure.Text, "Dokumentationen av insatser och vård ska bevaras enligt lag")
	require.Contains(t, erasure.Text, "17.3 b", "the refusal's ground, in Swedish")

	// Every reply names IMY.
	replies := 0
	for _, m := range e.mail.Messages() {
		if m.To[0] == "eva.lind@example.se" && (strings.HasPrefix(m.Subject, "Svar") || strings.HasPrefix(m.Subject, "Beslut") || strings.HasPrefix(m.Subject, "Ditt samtycke")) {
			replies++
			require.Contains(t, m.Text, "Integritetsskyddsmyndigheten (IMY)", m.Subject)
		}
	}
	require.Equal(t, 5, replies)
}

// TestExampleMunicipalityIT: a municipality's IT department reaches its
// TopDesk-like case system through the http connector: a staff user's
// restriction suspends the account there, and lifting it reopens it; an
// access request exports the account from it; a consent withdrawal for a
// personal device takes effect for the future only.
func TestExampleMunicipalityIT(t *testing.T) {
	e := runExample(t, "municipality-it")
	anna := map[string]any{"name": "Anna Hansen", "email": "ahan@sydhavn.example", "cpr": "070761-4285"}
	request := func(kind string, details map[string]any) string {
		t.Helper()
		r := e.intake(map[string]any{"controller": "sydhavn-it", "kind": kind, "channel": "email", "identity": map[string]any{"method": "known_email"},
			"subject": anna, "details": details}, tokAdmin)
		require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
		e.waitStage(r.str("id"), "assessment")
		return r.str("id")
	}
	status := func(email string) string {
		var s string
		require.NoError(t, e.source.QueryRow(context.Background(), `SELECT konto_status FROM topdesk.brugere WHERE email = $1`, email).Scan(&s))
		return s
	}

	rs := request("restriction", map[string]any{"description": "Spær kontoen, til oplysningerne er rettet."})
	e.decide(rs, map[string]any{"outcome": "grant", "assessment": "Kontoen spærres."})
	e.waitStage(rs, "closed")
	require.Equal(t, "spaerret", status("ahan@sydhavn.example"), "suspended in the case system")
	require.Equal(t, "aktiv", status("bjen@sydhavn.example"))
	require.NotEmpty(t, e.letterTo("ahan@sydhavn.example", "Svar på din anmodning om begrænsning").Text)
	lift := e.act(rs, "lift-restriction", map[string]any{"reason": "Oplysningerne er rettet."})
	require.Equal(t, http.StatusOK, lift.status, "%s", lift.raw)
	require.Eventually(t, func() bool { return status("ahan@sydhavn.example") == "aktiv" }, 20*time.Second, 50*time.Millisecond, "reopened after she was told")
	require.NotEmpty(t, e.mailTo("ahan@sydhavn.example", "begrænsning", 2))

	ac := request("access", nil)
	e.decide(ac, map[string]any{"outcome": "grant", "assessment": "Indsigt."})
	e.waitStage(ac, "closed")
	require.Contains(t, e.packageFiles(ac)["topdesk/brugerkonti.json"], "Borgerservice", "the account, exported from the case system")
	access := e.letterTo("ahan@sydhavn.example", "Svar på din anmodning om indsigt")
	require.Contains(t, access.Text, "databeskyttelsesloven § 11, stk. 2, nr. 1", "why the CPR number is held")

	wd := request("consent_withdrawal", map[string]any{"consents": []string{"Eget udstyr på kommunens netværk"}})
	e.decide(wd, map[string]any{"outcome": "grant", "assessment": "Enheden afmeldes."})
	followUp := e.openTask(wd, "fulfil")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM it.egne_enheder WHERE email = 'ahan@sydhavn.example' AND afmeldt`), "stopped from now on")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM it.egne_enheder WHERE email = 'ahan@sydhavn.example'`), "nothing undone")
	require.Equal(t, http.StatusOK, e.call(http.MethodPost, "/v1/tasks/{id}/complete", map[string]string{"id": followUp}, map[string]any{"found": "Ingen sletning ønsket."}, tokAdmin).status)
	e.waitStage(wd, "closed")
	reply := e.letterTo("ahan@sydhavn.example", "Dit samtykke er trukket tilbage")
	require.Contains(t, reply.Text, "Behandling, der fandt sted før, er fortsat lovlig", "for the future only")
}

// TestExampleMunicipality: a municipality replies by Digital Post, and on
// paper to a citizen exempt from it; delivers case records to the archive
// before erasing them; takes a photo down; sends a preliminary answer with
// the final date; says in the access reply that aktindsigt was given where
// it reaches further; blocks; names its DPO in every letter.
func TestExampleMunicipality(t *testing.T) {
	e := runExample(t, "municipality")
	request := func(kind string, subject map[string]any, details map[string]any) string {
		t.Helper()
		r := e.intake(map[string]any{"controller": "vestby", "kind": kind, "channel": "digital_post", "identity": map[string]any{"method": "mitid"},
			"subject": subject, "details": details}, tokAdmin)
		require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
		e.waitStage(r.str("id"), "assessment")
		return r.str("id")
	}
	memos := func(cpr, label string) int {
		n := 0
		for _, m := range e.gateway.Received() {
			if m.Recipient.ID == cpr && strings.Contains(m.Label, label) {
				n++
			}
		}
		return n
	}

	// Erasure: the closed case goes to the archive first, the photo goes.
	hans := map[string]any{"name": "Hans Hansen", "cpr": "070761-4285", "address": "Skolevej 3, 9999 Vestby"}
	er := request("erasure", hans, nil)
	e.decide(er, map[string]any{"outcome": "grant", "assessment": "Ingen pligt til at opbevare ud over arkivloven."})
	e.waitStage(er, "closed")
	require.Equal(t, 2, e.count(`SELECT count(*) FROM arkiv.afleverede_sager WHERE cpr = '070761-4285'`), "delivered to the archive")
	require.Zero(t, e.count(`SELECT count(*) FROM esdh.sager WHERE cpr = '070761-4285'`))
	require.Zero(t, e.count(`SELECT count(*) FROM web.fotos WHERE cpr = '070761-4285'`), "the photo is down")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM esdh.sager WHERE cpr = '010203-1234'`), "nobody else's")
	require.Eventually(t, func() bool { return memos("0707614285", "Svar på din anmodning om sletning") == 1 }, 20*time.Second, 50*time.Millisecond,
		"the reply went by Digital Post")
	for _, m := range e.gateway.Received() {
		if strings.Contains(m.Label, "Svar") {
			require.True(t, m.LegalNotification, "a reply is a legal notification")
		}
	}
	letters := e.letters(er)
	var replyPDF string
	for _, l := range letters {
		if l["kind"] == "reply_erasure" {
			require.Equal(t, "digital_post", l["channel"])
			replyPDF, _ = l["pdf"].(string)
		}
	}
	require.NotEmpty(t, replyPDF)

	// A citizen exempt from Digital Post is answered on paper.
	exempt := request("access", map[string]any{"name": "Ulla Jensen", "cpr": "111111-1118", "address": "Torvet 1, 9999 Vestby"}, nil)
	e.decide(exempt, map[string]any{"outcome": "grant", "assessment": "Indsigt og aktindsigt."})
	// The receipt and the reply are printed and posted by a caseworker.
	for range 2 {
		print := e.openTask(exempt, "print_letter")
		require.Equal(t, http.StatusOK, e.call(http.MethodPost, "/v1/tasks/{id}/complete", map[string]string{"id": print}, nil, tokAdmin).status)
	}
	e.waitStage(exempt, "closed")
	require.Zero(t, memos("1111111118", ""), "nothing went by Digital Post")
	paper := 0
	for _, l := range e.letters(exempt) {
		if l["kind"] == "reply_access" {
			require.Equal(t, "print", l["channel"])
			paper++
		}
	}
	require.Equal(t, 1, paper)

	// A large case, by e-mail: extended, a preliminary answer with the
	// final date, then the access reply saying aktindsigt was given too.
	mail := map[string]any{"name": "Mia Holm", "email": "mia.holm@example.dk"}
	big := request("access", mail, nil)
	ext := e.act(big, "extension", map[string]any{"reason": "complexity", "explanation": "Sagerne ligger i tre fagsystemer og skal gennemgås dokument for dokument."})
	require.Equal(t, http.StatusOK, ext.status, "%s", ext.raw)
	final, err := time.Parse(time.DateOnly, ext.body["extended_due_at"].(string))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, e.act(big, "letters", map[string]any{"kind": "preliminary"}).status)
	pre := e.letterTo("mia.holm@example.dk", "Foreløbigt svar")
	require.Contains(t, pre.Text, fmt.Sprintf("senest %d. ", final.Day()), "the date of the final answer")
	e.decide(big, map[string]any{"outcome": "grant", "assessment": "Indsigt og aktindsigt i sagerne."})
	e.waitStage(big, "closed")
	reply := e.letterTo("mia.holm@example.dk", "Svar på din anmodning om indsigt")
	require.Contains(t, reply.Text, "aktindsigt efter forvaltningsloven og offentlighedsloven")
	for _, m := range e.mail.Messages() {
		if m.To[0] == "mia.holm@example.dk" {
			require.Contains(t, m.Text, "dpo@vestby.example", "the DPO in every letter: %s", m.Subject)
		}
	}

	// Correction: a case title corrected where the map allows it.
	bo0 := map[string]any{"name": "Bo Jensen", "cpr": "010203-1234", "email": "bo.jensen@example.dk"}
	co := request("rectification", bo0, map[string]any{"corrections": []map[string]any{{"data": "Sagens titel", "correct": "Ansøgning om boligændring"}}})
	e.decide(co, map[string]any{"outcome": "grant", "assessment": "Titlen er forkert."})
	fix := e.openTask(co, "fulfil")
	corr := e.act(co, "corrections", map[string]any{"system": "sagssystem", "dataset": "sager", "values": map[string]string{"titel": "Ansøgning om boligændring"}})
	require.Equal(t, http.StatusOK, corr.status, "%s", corr.raw)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM esdh.sager WHERE cpr = '010203-1234' AND titel = 'Ansøgning om boligændring'`))
	require.Equal(t, http.StatusOK, e.call(http.MethodPost, "/v1/tasks/{id}/complete", map[string]string{"id": fix}, map[string]any{"found": "Rettet."}, tokAdmin).status)
	e.waitStage(co, "closed")

	// Blocking: the cases are flagged, nothing is erased.
	bo := map[string]any{"name": "Bo Jensen", "cpr": "010203-1234", "email": "bo.jensen@example.dk"}
	bl := request("restriction", bo, map[string]any{"description": "Oplysningerne i min sag er forkerte; bloker dem, til det er afklaret."})
	e.decide(bl, map[string]any{"outcome": "grant", "assessment": "Blokeres, mens rigtigheden undersøges."})
	e.waitStage(bl, "closed")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM esdh.sager WHERE cpr = '010203-1234' AND blokeret`))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM web.fotos WHERE cpr = '010203-1234' AND skjult`))
}
