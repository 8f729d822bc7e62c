package rights

import "strings"

// PurposeMatches reports whether a purpose the person named is the purpose
// of the record of processing, or part of it, either way round: people
// name a purpose in their own words ("the newsletter" for "Nyhedsbrev om
// kommunens tilbud" matches only if one contains the other), case and
// the spaces around a name aside. An empty name matches nothing.
func PurposeMatches(named, purpose string) bool {
	a, b := strings.ToLower(strings.TrimSpace(named)), strings.ToLower(purpose)
	return a != "" && (strings.Contains(a, b) || strings.Contains(b, a))
}

// AnyPurposeMatches reports whether one of the named purposes matches one
// of the purposes.
func AnyPurposeMatches(named, purposes []string) bool {
	for _, n := range named {
		for _, p := range purposes {
			if PurposeMatches(n, p) {
				return true
			}
		}
	}
	return false
}
