package workflows

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"go.temporal.io/sdk/temporal"

	"github.com/rightsdesk/rightsdesk/internal/rights"
)

// Error types of a rejected Update. The API answers 409 for a conflict with
// the request's state and 422 for what the law or the input forbids.
const (
	ErrTypeConflict = "RequestConflict"
	ErrTypeInvalid  = "RequestInvalid"
)

// Rejection details: the rule broken, named for the caseworker and the API.
type Rejection struct {
	Rule   rights.Rule
	Detail string
}

func reject(errType string, rule rights.Rule, format string, args ...any) error {
	detail := fmt.Sprintf(format, args...)
	return temporal.NewApplicationErrorWithOptions(string(rule)+": "+detail, errType, temporal.ApplicationErrorOptions{
		NonRetryable: true,
		Details:      []any{Rejection{Rule: rule, Detail: detail}},
	})
}

func conflict(rule rights.Rule, format string, args ...any) error {
	return reject(ErrTypeConflict, rule, format, args...)
}

func invalid(rule rights.Rule, format string, args ...any) error {
	return reject(ErrTypeInvalid, rule, format, args...)
}

// validateDecision checks a decision against LEGAL.md §4 for the right.
func validateDecision(kind rights.Kind, d Decide) error {
	if d.By == "" {
		return invalid(rights.RuleActorRequired, "the decision must name who made it")
	}
	if strings.TrimSpace(d.Assessment) == "" {
		return invalid(rights.RuleAssessmentRequired, "a decision needs a written assessment")
	}
	switch d.Outcome {
	case OutcomeGrant:
		if len(d.Grounds) > 0 {
			return invalid(rights.RuleGrantWithoutGrounds, "a grant takes no refusal grounds; use outcome partial to refuse in part")
		}
		return nil
	case OutcomePartial, OutcomeRefuse:
	default:
		return invalid(rights.RuleOutcome, "outcome must be grant, partial or refuse, not %q", d.Outcome)
	}
	if len(d.Grounds) == 0 {
		return invalid(rights.RuleGroundsRequired, "a %s needs its legal grounds; valid for %s: %s", d.Outcome, kind, strings.Join(rights.GroundsFor(kind), ", "))
	}
	seen := map[string]bool{}
	for _, g := range d.Grounds {
		if !rights.IsGround(kind, g) {
			return invalid(rights.RuleGroundsForRight, "%q is not a ground for refusing %s; valid: %s", g, kind, strings.Join(rights.GroundsFor(kind), ", "))
		}
		if seen[g] {
			return invalid(rights.RuleGroundsForRight, "ground %q is given twice", g)
		}
		seen[g] = true
	}
	if d.Outcome == OutcomeRefuse {
		for _, g := range d.Grounds {
			if rights.PartialOnly(g) {
				return invalid(rights.RuleGroundsPartialOnly, "ground %s never refuses the whole request (Art. 15(4)): redact and decide partial", g)
			}
		}
	}
	if kind == rights.KindObjection && d.DirectMarketing {
		return invalid(rights.RuleArt21_3DirectMarketing, "an objection to direct marketing is always honoured: the data is no longer processed for it (Art. 21(2)-(3)); decide grant")
	}
	if slices.Contains(d.Grounds, rights.Ground12_5) && strings.TrimSpace(d.Justification) == "" {
		return invalid(rights.RuleArt12_5Justification, "a request refused as manifestly unfounded or excessive needs a written justification of the facts (Art. 12(5): the controller bears the burden of proof)")
	}
	if slices.Contains(d.Grounds, rights.Ground12_5) && d.OtherRequestsLastYear == 0 {
		return invalid(rights.RuleArt12_5OnceAYear, "the subject made no other request to this controller in the last twelve months: a request once a year is never manifestly excessive (Art. 12(5))")
	}
	return nil
}

// forbiddenExtensionWords are reasons regulators have refused: holidays,
// absence and staff shortage are not complexity (LEGAL.md §2, §7). A term
// with a space is a phrase, one ending in * a stem found anywhere in a word
// (Danish and Swedish compound: sommerferie, julledighet), any other a whole
// word; text is compared lower-cased, word by word, so "juli" is not "jul".
var forbiddenExtensionWords = []string{
	// en
	"holiday*", "vacation*", "christmas*", "xmas", "easter", "summer closure", "closed for the summer", "summer break",
	"staff shortage*", "shortage of staff", "understaff*", "short-staffed", "short staffed", "shortstaffed",
	"lack of resources", "lack of staff", "limited resources", "insufficient resources", "resource constraint*",
	"sick leave", "off sick", "on sick", "is sick", "are sick", "parental leave", "maternity*", "paternity*", "annual leave",
	// da
	"ferie*", "helligdag*", "jul", "julen", "jule*", "påske*", "sommerlukket", "sommerlukning*", "personalemangel",
	"mangel på personale", "manglende ressourcer", "ressourcemangel", "få ressourcer", "underbemand*",
	"sygemeld*", "syg", "barsel*", "orlov",
	// sv
	"semester*", "helgdag*", "julen", "julhelg*", "julledig*", "påsk*", "sommarstängt", "personalbrist*", "brist på personal",
	"resursbrist*", "brist på resurser", "underbemann*", "sjukskriv*", "sjuk", "föräldraledig*", "ledighet*",
}

// staffWords name the people who work a case, and shortWords a lack or
// absence of them; an explanation that pairs the two ("too few employees
// to finish in time", "for få medarbejdere", "för få handläggare", "our
// caseworkers are overloaded") gives staffing as the reason, whatever the
// words. A term ending in * is a stem (Danish and Swedish inflections and
// compounds: medarbejderne, handläggarna), any other a whole word; a
// phrase matches consecutive words.
var (
	staffWords = []string{
		// en
		"employee*", "staff*", "personnel", "colleague*", "caseworker*", "case worker*", "case officer*", "officer*",
		"worker*", "workforce", "manpower", "team member*", "headcount", "lawyer*", "dpo",
		// da
		"medarbejder*", "ansat", "ansatte*", "personale*", "kollega*", "kolleger*", "sagsbehandler*", "bemanding*",
		"mandskab*", "jurist*", "folk", "folkene", "hænder",
		// sv ("personal" alone is also English, as in personal data)
		"anställd*", "personalen", "personalstyrka*", "medarbetar*", "handläggar*", "bemanning*", "händer",
	}
	shortWords = []string{
		// en
		"few", "fewer", "short", "shortage*", "lack", "lacks", "lacking", "insufficient*", "not enough", "too little",
		"limited", "missing", "absent", "absence*", "away", "off work", "overload*", "overworked", "busy", "stretched",
		"unavailable", "left", "leaving", "vacant", "vacanc*", "sick", "ill", "leave",
		// da
		"få", "færre", "for få", "mangel", "mangler", "manglende", "ikke nok", "begrænset", "fravær*", "syg", "syge",
		"travl*", "overbebyrde*", "presset", "væk", "ledig", "ledige", "opsagt", "stoppet", "fratrådt",
		// sv
		"för få", "färre", "brist*", "saknas", "saknar", "inte tillräckligt", "otillräcklig*", "begränsad*",
		"frånvar*", "sjuk", "sjuka", "upptagen", "upptagna", "överbelastad*", "arbetsbelastning", "vakant*",
		"slutat", "borta",
	}
)

// mentions returns the first of terms found in words.
func mentions(words []string, terms []string) (string, bool) {
	for _, term := range terms {
		parts := strings.Fields(term)
		for i := 0; i+len(parts) <= len(words); i++ {
			ok := true
			for j, p := range parts {
				w := words[i+j]
				if stem, isStem := strings.CutSuffix(p, "*"); isStem && !strings.HasPrefix(w, stem) || !isStem && w != p {
					ok = false
					break
				}
			}
			if ok {
				return strings.ReplaceAll(term, "*", ""), true
			}
		}
	}
	return "", false
}

// forbiddenExtensionTerm returns the first forbidden term text mentions:
// one of forbiddenExtensionWords, or a staffing word beside a word of
// lack or absence.
func forbiddenExtensionTerm(text string) (string, bool) {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-'
	})
	joined := " " + strings.Join(words, " ") + " "
	for _, term := range forbiddenExtensionWords {
		switch {
		case strings.Contains(term, " "):
			if strings.Contains(joined, " "+term+" ") {
				return term, true
			}
		case strings.HasSuffix(term, "*"):
			stem := strings.TrimSuffix(term, "*")
			for _, w := range words {
				if strings.Contains(w, stem) {
					return stem, true
				}
			}
		default:
			if slices.Contains(words, term) {
				return term, true
			}
		}
	}
	if staff, ok := mentions(words, staffWords); ok {
		if short, ok := mentions(words, shortWords); ok {
			return staff + " … " + short, true
		}
	}
	return "", false
}

func validateExtensionReason(e Extend) error {
	if e.By == "" {
		return invalid(rights.RuleActorRequired, "the extension must name who made it")
	}
	if e.Reason != ReasonComplexity && e.Reason != ReasonNumberOfRequests {
		return invalid(rights.RuleArt12_3Reason, "an extension needs reason complexity or number_of_requests, not %q (holidays and staff shortage are not reasons)", e.Reason)
	}
	if strings.TrimSpace(e.Explanation) == "" {
		return invalid(rights.RuleArt12_3Reason, "an extension needs its reasons in words: they are sent to the subject")
	}
	if term, ok := forbiddenExtensionTerm(e.Explanation); ok {
		return invalid(rights.RuleArt12_3Reason, "holidays, absence and staff shortage are not reasons for an extension (the explanation mentions %q)", term)
	}
	return nil
}
