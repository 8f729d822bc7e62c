package controllers

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/internal/policy"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestDemo(t *testing.T) {
	cs := Demo()
	require.Len(t, cs, 2)
	require.Equal(t, "demo", cs[0].ID)
	require.Equal(t, "DK", cs[0].Country)
	require.Equal(t, "Europe/Copenhagen", cs[0].TimeZone)
	require.Equal(t, "Datatilsynet", cs[0].SupervisoryAuthority.Name)
	require.Equal(t, "demo-se", cs[1].ID)
	require.Equal(t, "Europe/Stockholm", cs[1].TimeZone)
	require.Equal(t, DefaultDeadlines(), cs[1].Deadlines, "defaults fill what the file leaves out")
	require.Contains(t, cs[1].SupervisoryAuthority.Name, "IMY")
	require.Empty(t, policy.CheckSystems(DemoSystems(), cs[0].Processing), "the demo data map is valid against the demo record")
	require.Empty(t, policy.CheckRecipients(DemoSystems(), DemoRecipients()), "every demo recipient says how it is told (Art. 19)")
}

func TestParseErrorsNameTheLine(t *testing.T) {
	for name, tc := range map[string]struct{ yaml, want string }{
		"country": {`controllers:
  - id: a
    name: A
    country: NO
    time_zone: Europe/Oslo
    language: da
    dpo: {email: dpo@a.example}
`, `line 4 (controller "a"): country must be DK or SE, not "NO"`},
		"time zone": {`controllers:
  - id: a
    name: A
    country: DK
    time_zone: Europe/Atlantis
    language: da
    dpo: {email: dpo@a.example}
`, `line 5 (controller "a"): unknown time_zone "Europe/Atlantis"`},
		"nested": {`controllers:
  - id: a
    name: A
    country: DK
    time_zone: Europe/Copenhagen
    language: da
    dpo: {email: dpo@a.example}
    deadlines:
      notice_hour: 25
`, `line 9 (controller "a"): notice_hour must be between 0 and 23`},
		"unknown field": {`controllers:
  - id: a
    nmae: A
`, `line 3: field nmae not found in type policy.Controller`},
		"processor target": {`controllers:
  - id: p
    name: P
    role: processor
    forwards_to: nobody
    country: DK
    time_zone: Europe/Copenhagen
    language: da
    dpo: {email: dpo@p.example}
`, `line 5 (controller "p"): forwards_to names "nobody", which is not defined`},
		"duplicate": {`controllers:
  - {id: a, name: A, country: DK, time_zone: Europe/Copenhagen, language: da, dpo: {email: d@a.example}}
  - {id: a, name: B, country: DK, time_zone: Europe/Copenhagen, language: da, dpo: {email: d@a.example}}
`, `line 3: controller "a" is already defined on line 2`},
		"dpo": {`controllers:
  - {id: a, name: A, country: DK, time_zone: Europe/Copenhagen, language: da}
`, `dpo.email must be an e-mail address`},
		"empty": {`controllers: []`, `lists no controllers`},
		"data map: anonymise must cover the identifiers": {`controllers:
  - id: a
    name: A
    country: DK
    time_zone: Europe/Copenhagen
    language: da
    dpo: {email: dpo@a.example}
    processing:
      automated_decisions: false
      purposes: [{name: P, legal_basis: ["6(1)(e)"], categories: [x], recipients: [], retention: 1 year, source: you}]
    systems:
      - id: crm
        name: CRM
        kind: postgres
        datasets:
          - id: contacts
            table: contacts
            keys: {email: email}
            purposes: [P]
            legal_basis: ["6(1)(f)"]
            recipients: []
            retention: 1 year
            erase:
              strategy: anonymise
              fields: {name: null}
`, `line 25 (controller "a"): anonymising must cover the identifier column "email"`},
		"package days": {`controllers:
  - id: a
    name: A
    country: DK
    time_zone: Europe/Copenhagen
    language: da
    dpo: {email: dpo@a.example}
    package_days: 1000
`, `line 8 (controller "a"): package_days is between 1 and 365 (leave it out for 30)`},
		"data map: unknown purpose": {`controllers:
  - id: a
    name: A
    country: DK
    time_zone: Europe/Copenhagen
    language: da
    dpo: {email: dpo@a.example}
    processing:
      automated_decisions: false
      purposes: [{name: P, legal_basis: ["6(1)(e)"], categories: [x], recipients: [], retention: 1 year, source: you}]
    systems:
      - id: crm
        name: CRM
        kind: postgres
        datasets:
          - id: contacts
            table: contacts
            keys: {email: email}
            purposes: [Marketing]
            legal_basis: ["6(1)(f)"]
            recipients: []
            retention: 1 year
            erase: {strategy: delete}
`, `line 19 (controller "a"): purpose "Marketing" is not in the record of processing`},
		"data map: recipient without a word on Art. 19": {`controllers:
  - id: a
    name: A
    country: DK
    time_zone: Europe/Copenhagen
    language: da
    dpo: {email: dpo@a.example}
    processing:
      automated_decisions: false
      purposes: [{name: P, legal_basis: ["6(1)(e)"], categories: [x], recipients: [], retention: 1 year, source: you}]
    systems:
      - id: crm
        name: CRM
        kind: postgres
        datasets:
          - id: contacts
            table: contacts
            keys: {email: email}
            purposes: [P]
            legal_basis: ["6(1)(e)"]
            recipients: [Skat]
            retention: 1 year
            erase: {strategy: delete}
`, `line 21 (controller "a"): recipient "Skat" is not under recipients: say how it is told of an erasure, rectification or restriction (Art. 19)`},
		"recipient with neither address nor reason": {`controllers:
  - id: a
    name: A
    country: DK
    time_zone: Europe/Copenhagen
    language: da
    dpo: {email: dpo@a.example}
    processing:
      automated_decisions: false
      purposes: [{name: P, legal_basis: ["6(1)(e)"], categories: [x], recipients: [], retention: 1 year, source: you}]
    recipients:
      - name: Skat
`, `line 12 (controller "a"): give the address Art. 19 notices go to, or not_notified with the reason (impossible or disproportionate effort)`},
		"no record of processing": {`controllers:
  - id: a
    name: A
    country: DK
    time_zone: Europe/Copenhagen
    language: da
    dpo: {email: dpo@a.example}
`, `line 2 (controller "a"): a controller needs its record of processing`},
		"automated decisions unsaid": {`controllers:
  - id: a
    name: A
    country: DK
    time_zone: Europe/Copenhagen
    language: da
    dpo: {email: dpo@a.example}
    processing:
      purposes: [{name: P, legal_basis: ["6(1)(e)"], categories: [x], recipients: [], retention: 5 years, source: you}]
`, `line 8 (controller "a"): automated_decisions must say yes (true) or no (false)`},
		"legal basis": {`controllers:
  - id: a
    name: A
    country: DK
    time_zone: Europe/Copenhagen
    language: da
    dpo: {email: dpo@a.example}
    processing:
      automated_decisions: false
      purposes:
        - name: P
          legal_basis:
            - 6(1)(e)
            - 6(1)(g)
          categories: [x]
          recipients: []
          retention: 5 years
          source: you
`, `line 14 (controller "a"): "6(1)(g)" is not a legal basis`},
		"special categories": {`controllers:
  - id: a
    name: A
    country: DK
    time_zone: Europe/Copenhagen
    language: da
    dpo: {email: dpo@a.example}
    processing:
      automated_decisions: false
      purposes:
        - name: Health
          legal_basis: ["6(1)(e)"]
          special_categories: true
          categories: [health]
          recipients: [the region]
          retention: 10 years
          source: you
`, `line 12 (controller "a"): special categories of data need an Art. 9(2) basis`},
		"special-category dataset without an Art. 9(2) basis": {`controllers:
  - id: a
    name: A
    country: DK
    time_zone: Europe/Copenhagen
    language: da
    dpo: {email: dpo@a.example}
    processing:
      automated_decisions: false
      purposes: [{name: P, legal_basis: ["6(1)(e)"], categories: [x], recipients: [], retention: 1 year, source: you}]
    systems:
      - id: sag
        name: Sag
        kind: postgres
        datasets:
          - id: journal
            table: journal
            keys: {cpr: cpr}
            purposes: [P]
            legal_basis: ["6(1)(e)"]
            special_categories: true
            recipients: []
            retention: 5 years
            erase: {strategy: delete}
`, `line 20 (controller "a"): special categories of data need an Art. 9(2) basis`},
		"Art. 9(2) dataset not marked special": {`controllers:
  - id: a
    name: A
    country: DK
    time_zone: Europe/Copenhagen
    language: da
    dpo: {email: dpo@a.example}
    processing:
      automated_decisions: false
      purposes: [{name: P, legal_basis: ["6(1)(e)", "9(2)(h)"], special_categories: true, categories: [x], recipients: [], retention: 1 year, source: you}]
    systems:
      - id: sag
        name: Sag
        kind: postgres
        datasets:
          - id: journal
            table: journal
            keys: {cpr: cpr}
            purposes: [P]
            legal_basis: ["6(1)(e)", "9(2)(h)"]
            recipients: []
            retention: 5 years
            erase: {strategy: delete}
`, `(controller "a"): a dataset processed under Art. 9(2) holds special categories of data: mark it special_categories: true`},
		"package_code": {`controllers:
  - id: a
    name: A
    country: DK
    time_zone: Europe/Copenhagen
    language: da
    dpo: {email: dpo@a.example}
    package_code: sometimes
    processing:
      automated_decisions: false
      purposes: [{name: P, legal_basis: ["6(1)(e)"], categories: [x], recipients: [], retention: 1 year, source: you}]
`, `line 8 (controller "a"): package_code is special_categories (the default) or always, not "sometimes"`},
		"recipients unsaid": {`controllers:
  - id: a
    name: A
    country: DK
    time_zone: Europe/Copenhagen
    language: da
    dpo: {email: dpo@a.example}
    processing:
      automated_decisions: true
      automated_logic: A score from the answers decides the offer.
      purposes:
        - {name: P, legal_basis: ["6(1)(b)"], categories: [x], retention: 1 year, source: you}
`, `line 12 (controller "a"): name the recipients`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestLoadAndSync(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(filepath.Join(filepath.Dir(path), "jc-record.yaml"), []byte(`automated_decisions: false
purposes:
  - name: Beskæftigelsesindsats
    legal_basis: ["6(1)(e)"]
    categories: [kontaktoplysninger]
    recipients: []
    retention: 5 år
    source: dig
`), 0o600))
	require.NoError(t, os.WriteFile(path, []byte(`controllers:
  - {id: jc, name: Jobcentret, country: DK, time_zone: Europe/Copenhagen, language: da, dpo: {email: dpo@jc.example},
     processing_file: jc-record.yaml, caseworker_mailbox: sager@jc.example,
     deadlines: {reminder_days_before: [10], pause_timeout_days: 14}}
  - {id: stateras, name: Processor ApS, role: processor, forwards_to: jc, country: DK, time_zone: Europe/Copenhagen, language: da, dpo: {email: dpo@p.example}}
`), 0o600))
	cs, err := Load(path)
	require.NoError(t, err)
	require.Equal(t, "Beskæftigelsesindsats", cs[0].Processing.Purposes[0].Name, "the record comes from its own file")
	st := pgtest.New(t)
	ctx := context.Background()
	require.NoError(t, Sync(ctx, st, cs))
	cs[0].Name = "Jobcentret Syd"
	require.NoError(t, Sync(ctx, st, cs), "sync updates")

	var rows []store.Controller
	require.NoError(t, st.DB.Order("id").Find(&rows).Error)
	require.Len(t, rows, 2)
	require.Equal(t, "Jobcentret Syd", rows[0].Name)
	p, err := PolicyOf(rows[0])
	require.NoError(t, err)
	require.Equal(t, []int{10}, p.Deadlines.ReminderDaysBefore)
	require.Equal(t, 14, p.Deadlines.PauseTimeoutDays)
	require.Equal(t, 8, p.Deadlines.NoticeHour)
	p, err = PolicyOf(rows[1])
	require.NoError(t, err)
	require.Equal(t, "processor", p.Role)
	require.Equal(t, "jc", p.ForwardsTo)

	_, err = Load(filepath.Join(t.TempDir(), "missing.yaml"))
	require.Error(t, err)

	// An error in the record's own file names that file and its line.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rec.yaml"), []byte(`automated_decisions: false
purposes:
  - name: P
    legal_basis: ["6(1)(e)"]
    categories: [x]
    recipients: []
    source: you
`), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "c.yaml"), []byte(`controllers:
  - {id: a, name: A, country: DK, time_zone: Europe/Copenhagen, language: da, dpo: {email: d@a.example}, processing_file: rec.yaml}
`), 0o600))
	_, err = Load(filepath.Join(dir, "c.yaml"))
	require.ErrorContains(t, err, "rec.yaml line 3: give the retention period or its criteria")
}
