package rights

import (
	"maps"
	"slices"
)

// Ground12_5 is Art. 12(5): manifestly unfounded or excessive. It is valid
// for every right and needs a written justification of the facts.
const Ground12_5 = "12(5)"

// grounds lists, per right, the legal grounds on which it may be refused in
// whole or in part (LEGAL.md §4).
var grounds = map[Kind]map[string]string{
	KindAccess: {
		"15(4)":    "the copy would adversely affect the rights and freedoms of others (partial only: redact, never refuse the whole)",
		Ground12_5: "manifestly unfounded or excessive",
	},
	KindRectification: {
		"16-accurate": "the data is accurate and complete",
		Ground12_5:    "manifestly unfounded or excessive",
	},
	KindErasure: {
		"17(3)(a)": "freedom of expression and information",
		"17(3)(b)": "legal obligation or task in the public interest or official authority",
		"17(3)(c)": "public health",
		"17(3)(d)": "archiving, research or statistics (Art. 89)",
		"17(3)(e)": "establishment, exercise or defence of legal claims",
		"17(1)":    "none of the grounds of Art. 17(1) applies",
		Ground12_5: "manifestly unfounded or excessive",
	},
	KindRestriction: {
		"18(1)":    "none of the grounds of Art. 18(1) applies",
		Ground12_5: "manifestly unfounded or excessive",
	},
	KindPortability: {
		"20(1)(a)": "the processing rests neither on consent nor on a contract",
		"20(1)(b)": "the processing is not carried out by automated means",
		"20(3)":    "the processing is necessary for a task in the public interest or official authority",
		"20(4)":    "it would adversely affect the rights and freedoms of others",
		Ground12_5: "manifestly unfounded or excessive",
	},
	KindObjection: {
		"21(1)-compelling": "compelling legitimate grounds that override the subject's interests",
		"21(1)-claims":     "establishment, exercise or defence of legal claims",
		"21-scope":         "the processing is not based on Art. 6(1)(e) or (f), e.g. a legal obligation (6(1)(c))",
		Ground12_5:         "manifestly unfounded or excessive",
	},
	KindConsentWithdrawal: {
		"7(3)-scope": "the processing does not rest on consent",
		Ground12_5:   "manifestly unfounded or excessive",
	},
}

// partialOnly are grounds that can limit a reply but never refuse it whole.
var partialOnly = map[string]bool{"15(4)": true}

// GroundsFor returns the valid refusal grounds of a right, sorted.
func GroundsFor(k Kind) []string {
	return slices.Clone(sortedGrounds[k])
}

// sortedGrounds is computed once, outside any workflow: iterating a map
// inside one would be non-deterministic.
var sortedGrounds = func() map[Kind][]string {
	out := map[Kind][]string{}
	for k, gs := range grounds {
		out[k] = slices.Sorted(maps.Keys(gs))
	}
	return out
}()

// PartialOnly reports whether a ground can only limit a reply, never refuse it whole.
func PartialOnly(ground string) bool { return partialOnly[ground] }

// GroundDescription describes a ground of a right.
func GroundDescription(k Kind, ground string) string { return grounds[k][ground] }

// IsGround reports whether ground is a ground for refusing right k.
func IsGround(k Kind, ground string) bool {
	_, ok := grounds[k][ground]
	return ok
}
