package rights

import (
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/rightsdesk/rightsdesk/internal/policy"
)

// Plan plans how a granted request of a right is carried out in the
// controller's systems (its data map): access and portability as one
// package from the postgres and http systems; erasure, restriction,
// objection and consent withdrawal in the datasets that support them;
// everything else is a caseworker task per system, with the system's
// instructions. An objection or a consent withdrawal concerns only the
// datasets that serve the purposes, or rest on the consents, the person
// named.
func Plan(requestID uuid.UUID, kind Kind, systems []policy.System, named []string) FulfilmentPlan {
	plan := FulfilmentPlan{Mapped: len(systems) > 0}
	stops := kind == KindObjection || kind == KindConsentWithdrawal
	for _, sys := range systems {
		manual := sys.Kind == "manual" || (sys.Kind == "http" && kind != KindErasure && kind != KindRestriction && !stops)
		if (sys.Kind == "postgres" || sys.Kind == "http") && (kind == KindAccess || kind == KindPortability) {
			// One package from every postgres and http system, built once.
			if !slices.ContainsFunc(plan.Steps, func(s FulfilStep) bool { return s.Step == StepPackage }) {
				plan.Steps = append(plan.Steps, FulfilStep{RequestID: requestID, System: "*", Dataset: "*", Step: StepPackage})
			}
			continue
		}
		var todo, fixable []string
		for _, ds := range sys.Datasets {
			if len(ds.Rectify) > 0 {
				fixable = append(fixable, ds.Name+" ("+ds.ID+": "+strings.Join(ds.Rectify, ", ")+")")
			}
			if stops && !concerned(kind, ds, named) {
				if kind == KindObjection && serves(ds, named) {
					plan.Outside = append(plan.Outside, ds.Name)
				}
				continue
			}
			switch {
			case manual:
			case kind == KindConsentWithdrawal && ds.OnWithdrawal == "erase":
				// The consent was the only ground: the rows go at once.
				plan.Steps = append(plan.Steps, FulfilStep{RequestID: requestID, System: sys.ID, Dataset: ds.ID, Step: StepErase})
				continue
			case stops && (ds.Restrict != "" || sys.Kind == "http"):
				// Processing stops: the rows are kept, flagged, and used no more.
				plan.Steps = append(plan.Steps, FulfilStep{RequestID: requestID, System: sys.ID, Dataset: ds.ID, Step: StepRestrict})
				continue
			case kind == KindErasure:
				plan.Steps = append(plan.Steps, FulfilStep{RequestID: requestID, System: sys.ID, Dataset: ds.ID, Step: StepErase})
				continue
			case kind == KindRestriction && (ds.Restrict != "" || sys.Kind == "http"):
				plan.Steps = append(plan.Steps, FulfilStep{RequestID: requestID, System: sys.ID, Dataset: ds.ID, Step: StepRestrict})
				continue
			}
			todo = append(todo, ds.Name)
		}
		if len(todo) > 0 {
			instr := sys.Instructions
			switch {
			case instr != "":
			case kind == KindRectification && len(fixable) > 0:
				instr = fmt.Sprintf("Apply the corrections in %s with POST /v1/requests/{id}/corrections (system %s) where the map allows: %s. Elsewhere (%s), record a supplementary statement on the case. Then complete this task.",
					sys.Name, sys.ID, strings.Join(fixable, "; "), strings.Join(todo, ", "))
			default:
				instr = fmt.Sprintf("Carry out the %s request in %s by hand: %s. Then complete this task.", kind, sys.Name, strings.Join(todo, ", "))
			}
			plan.Manual = append(plan.Manual, ManualStep{System: sys.ID, Name: sys.Name, Instructions: instr})
		}
	}
	if plan.Mapped && kind == KindConsentWithdrawal {
		// Art. 17(1)(b): with the consent gone, erasure may be due.
		plan.Manual = append(plan.Manual, ManualStep{System: "-", Name: "Follow-up",
			Instructions: "Offer the person erasure of the data the consent covered (Art. 17(1)(b)); if they want it, register an erasure request. Then complete this task."})
	}
	return plan
}

// concerned reports whether a dataset is concerned by an objection (it
// serves a purpose the person named, on Art. 6(1)(e) or (f), or direct
// marketing) or a consent withdrawal (it rests on consent, and serves a
// named purpose, or any when none was named).
func concerned(kind Kind, ds policy.Dataset, named []string) bool {
	serves := len(named) == 0 || serves(ds, named)
	if kind == KindConsentWithdrawal {
		return serves && slices.Contains(ds.LegalBasis, "6(1)(a)")
	}
	return serves && len(named) > 0 && (slices.Contains(ds.LegalBasis, "6(1)(e)") || slices.Contains(ds.LegalBasis, "6(1)(f)") || slices.Contains(ds.LegalBasis, "6(1)(a)"))
}

// serves reports whether a dataset serves one of the purposes named.
func serves(ds policy.Dataset, named []string) bool {
	return AnyPurposeMatches(named, ds.Purposes)
}
