package rights

import (
	"regexp"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func TestWorkflowIDRoundTrip(t *testing.T) {
	id := uuid.New()
	got, err := ParseWorkflowID(WorkflowID(id))
	require.NoError(t, err)
	require.Equal(t, id, got)
	_, err = ParseWorkflowID("sweep/" + id.String())
	require.Error(t, err)
}

// TestRulesListedOnce holds Rules to what the words are checked against:
// each rule once, each an ID of lower-case words.
func TestRulesListedOnce(t *testing.T) {
	seen := map[Rule]bool{}
	shape := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	for _, r := range Rules() {
		require.False(t, seen[r], "rule %s listed twice", r)
		require.Regexp(t, shape, string(r))
		seen[r] = true
	}
	require.True(t, seen[RuleStage] && seen[RuleRequestClosed] && seen[RulePackageCodeWrong])
}

func TestPurposeMatches(t *testing.T) {
	require.True(t, PurposeMatches(" Nyhedsbrev ", "Nyhedsbrev om kommunens tilbud"))
	require.True(t, PurposeMatches("nyhedsbrev om kommunens tilbud og andet", "Nyhedsbrev om kommunens tilbud"))
	require.False(t, PurposeMatches("  ", "Nyhedsbrev"))
	require.False(t, PurposeMatches("skat", "Nyhedsbrev"))
	require.True(t, AnyPurposeMatches([]string{"skat", "nyhedsbrev"}, []string{"Beskæftigelse", "Nyhedsbrev"}))
	require.False(t, AnyPurposeMatches(nil, []string{"Nyhedsbrev"}))
}

func TestGrounds(t *testing.T) {
	for _, k := range Kinds {
		require.Contains(t, GroundsFor(k), Ground12_5, "%s", k)
		require.True(t, IsGround(k, Ground12_5))
	}
	require.True(t, IsGround(KindAccess, "15(4)"))
	require.False(t, IsGround(KindErasure, "15(4)"))
	require.True(t, PartialOnly("15(4)"))
	require.NotEmpty(t, GroundDescription(KindErasure, "17(3)(b)"))
}
