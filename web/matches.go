package web

// IdentifierMatches is what each identifier of a request's person matched
// at the controller, for the case view's identity block: rows in its
// systems, other requests, and whether the identity method known_email
// holds.
type IdentifierMatches struct {
	Rows []MatchRow
	// KnownEmailHolds is set when known_email may be recorded; otherwise
	// KnownEmailRule names the rule it breaks.
	KnownEmailHolds bool
	KnownEmailRule  string
	// Unreachable are the systems that could not be searched just now.
	Unreachable []string
}

// MatchRow is what one identifier (Kind: email, cpr, ...) matched.
type MatchRow struct {
	Kind     string
	Datasets []MatchDataset
	Requests []MatchRequest
}

// MatchDataset is a dataset where the identifier finds Rows rows,
// WithEmail of them with the request's e-mail address too.
type MatchDataset struct {
	System, Dataset string
	Rows, WithEmail int64
}

// MatchRequest is another request whose person gave the identifier.
type MatchRequest struct {
	ID, Reference       string
	Verified, WithEmail bool
}
