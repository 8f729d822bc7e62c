package rights

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/policy"
)

// dataMap is a postgres system with a case dataset (a legal obligation) and
// a newsletter (consent), and a system carried out by hand.
func dataMap() []policy.System {
	return []policy.System{{
		ID: "sag", Name: "Sagssystem", Kind: "postgres",
		Datasets: []policy.Dataset{
			{ID: "cases", Name: "Sager", Purposes: []string{"Beskæftigelsesindsats"}, LegalBasis: []string{"6(1)(c)"}, Restrict: "restricted", Rectify: []string{"address"}},
			{ID: "news", Name: "Nyhedsbrev", Purposes: []string{"Nyhedsbrev om kommunens tilbud"}, LegalBasis: []string{"6(1)(a)"}, Restrict: "restricted", OnWithdrawal: "erase"},
		},
	}, {ID: "arkiv", Name: "Arkiv", Kind: "manual", Instructions: "Ring til arkivet.", Datasets: []policy.Dataset{{ID: "box", Name: "Kasser"}}}}
}

func TestPlan(t *testing.T) {
	id := uuid.New()
	require.Equal(t, FulfilmentPlan{}, Plan(id, KindErasure, nil, nil), "no data map: one caseworker task, as before the map")

	erase := Plan(id, KindErasure, dataMap(), nil)
	require.True(t, erase.Mapped)
	require.Equal(t, []FulfilStep{{RequestID: id, System: "sag", Dataset: "cases", Step: StepErase}, {RequestID: id, System: "sag", Dataset: "news", Step: StepErase}}, erase.Steps)
	require.Equal(t, []ManualStep{{System: "arkiv", Name: "Arkiv", Instructions: "Ring til arkivet."}}, erase.Manual)

	access := Plan(id, KindAccess, dataMap(), nil)
	require.Equal(t, []FulfilStep{{RequestID: id, System: "*", Dataset: "*", Step: StepPackage}}, access.Steps)

	// An objection to the newsletter stops it; the case data rests on a
	// legal obligation, which Art. 21 does not reach.
	object := Plan(id, KindObjection, dataMap(), []string{"nyhedsbrev", "beskæftigelse"})
	require.Equal(t, []FulfilStep{{RequestID: id, System: "sag", Dataset: "news", Step: StepRestrict}}, object.Steps)
	require.Equal(t, []string{"Sager"}, object.Outside)

	// Withdrawing consent erases what rested on it, and offers erasure.
	withdraw := Plan(id, KindConsentWithdrawal, dataMap(), nil)
	require.Equal(t, []FulfilStep{{RequestID: id, System: "sag", Dataset: "news", Step: StepErase}}, withdraw.Steps)
	require.Equal(t, "Follow-up", withdraw.Manual[len(withdraw.Manual)-1].Name)

	rectify := Plan(id, KindRectification, dataMap(), nil)
	require.Empty(t, rectify.Steps)
	require.Contains(t, rectify.Manual[0].Instructions, "Sager (cases: address)")
}
