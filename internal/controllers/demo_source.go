package controllers

import (
	_ "embed"

	"github.com/rightsdesk/rightsdesk/internal/policy"
)

// DemoSourceSystem is the ID of the demo source system.
const DemoSourceSystem = "demo_src"

//go:embed demo_source.sql
var demoSourceSQL string

// DemoSourceSQL creates and fills the demo source system's database (run
// again, it changes nothing).
func DemoSourceSQL() string { return demoSourceSQL }

// DemoBookingSystem is the ID of the demo booking system, an http system
// the dev process serves itself (internal/devtools/demosystem).
const DemoBookingSystem = "demo_booking"

// DemoBooking is the data map of the demo booking system at url: the
// appointments citizens booked, found by CPR number or e-mail.
func DemoBooking(url string) policy.System {
	return policy.System{ID: DemoBookingSystem, Name: "Bookingsystemet (demo)", Kind: "http", URL: url, Datasets: []policy.Dataset{
		{ID: "aftaler", Name: "Aftaler", Keys: map[string]string{"cpr": "cpr", "email": "email"}, Restrict: "begraenset",
			Purposes:   []string{"Beskæftigelsesindsats efter lov om en aktiv beskæftigelsesindsats"},
			LegalBasis: []string{"6(1)(e)"}, Recipients: []string{}, Retention: "1 år efter aftalen",
			Erase: policy.Erasure{Strategy: "delete"}},
	}}
}

// DemoRecipients say how the demo data map's recipients are told of an
// erasure, rectification or restriction (Art. 19).
func DemoRecipients() []policy.Recipient {
	return []policy.Recipient{{Name: "Udbetaling Danmark", Email: "persondata@udbetaling-danmark.example"}}
}

// DemoSystems is the data map of the demo controller's source system: case
// notes, a psychologist's journal under a five-year hold (special
// categories: its packages need a second factor), a consent-based
// newsletter, and a marketing list.
func DemoSystems() []policy.System {
	return []policy.System{{ID: DemoSourceSystem, Name: "Borgersystemet (demo)", Kind: "postgres", Datasets: []policy.Dataset{
		{ID: "sagsnotater", Name: "Sagsnotater", Table: "borger.sagsnotater", Keys: map[string]string{"cpr": "cpr"},
			Fields: []string{"id", "notat", "sidste_notat"}, Restrict: "begraenset",
			Purposes:   []string{"Beskæftigelsesindsats efter lov om en aktiv beskæftigelsesindsats"},
			LegalBasis: []string{"6(1)(c)", "6(1)(e)"}, Recipients: []string{"Udbetaling Danmark"},
			Retention: "5 år efter sagens afslutning", Erase: policy.Erasure{Strategy: "delete"},
			Holds: []policy.Hold{{Reference: "arkivloven § 21 og kommunens bevaringsplan", Reason: "Sager fra de seneste 5 år skal bevares", Column: "sidste_notat", Years: 5}}},
		{ID: "psykologjournal", Name: "Psykologjournal", Table: "borger.psykologjournal", Keys: map[string]string{"cpr": "cpr"},
			Fields: []string{"id", "journal", "sidste_notat"}, Restrict: "begraenset",
			Purposes:   []string{"Beskæftigelsesindsats efter lov om en aktiv beskæftigelsesindsats"},
			LegalBasis: []string{"6(1)(e)", "9(2)(b)"}, SpecialCategories: true, Recipients: []string{},
			Retention: "5 år fra sidste notat (psykologloven § 14, stk. 2)", Erase: policy.Erasure{Strategy: "delete"},
			Holds: []policy.Hold{{Reference: "psykologloven § 14, stk. 2", Reason: "Psykologens journal opbevares i 5 år fra sidste notat", Column: "sidste_notat", Years: 5}}},
		{ID: "nyhedsbrev", Name: "Nyhedsbrev", Table: "borger.nyhedsbrev", Keys: map[string]string{"email": "email"},
			Fields:   []string{"email", "navn", "samtykke_givet"},
			Purposes: []string{"Nyhedsbrev om kommunens tilbud"}, LegalBasis: []string{"6(1)(a)"}, Recipients: []string{},
			Retention: "indtil samtykket trækkes tilbage",
			Erase:     policy.Erasure{Strategy: "anonymise", Fields: map[string]string{"email": "hash", "navn": "null"}}},
		{ID: "markedsfoering", Name: "Markedsføringsliste", Table: "borger.markedsfoering", Keys: map[string]string{"email": "email", "phone": "telefon"},
			Purposes: []string{"Nyhedsbrev om kommunens tilbud"}, LegalBasis: []string{"6(1)(a)"}, Recipients: []string{},
			Retention: "indtil du gør indsigelse", Erase: policy.Erasure{Strategy: "delete"}},
	}}}
}
