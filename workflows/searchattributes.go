package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// Typed search attributes of a rights request. They carry no personal data:
// only the kind of request, where it stands, its dates and opaque IDs.
var (
	// SARequestKind is the right invoked: access, erasure, ...
	SARequestKind = temporal.NewSearchAttributeKeyKeyword("RequestKind")
	// SAStage is the request's current stage.
	SAStage = temporal.NewSearchAttributeKeyKeyword("RequestStage")
	// SADueDate is the working deadline (LEGAL.md §2 `due`).
	SADueDate = temporal.NewSearchAttributeKeyTime("DueDate")
	// SAStatutoryDueDate is the legal deadline in force (statutory or extended).
	SAStatutoryDueDate = temporal.NewSearchAttributeKeyTime("StatutoryDueDate")
	// SABreached is true once the legal deadline passed without a reply.
	SABreached = temporal.NewSearchAttributeKeyBool("Breached")
	// SAController is the controller's configured ID.
	SAController = temporal.NewSearchAttributeKeyKeyword("Controller")
	// SAAssigneeID is the opaque ID of the caseworker the request is assigned to.
	SAAssigneeID = temporal.NewSearchAttributeKeyKeyword("AssigneeID")
	// SANeedsAttention is true while a step of the request keeps failing.
	SANeedsAttention = temporal.NewSearchAttributeKeyBool("NeedsAttention")
)

// SearchAttributes lists every custom search attribute with its type, for
// registering them on a Temporal namespace.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		SARequestKind.GetName():      enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SAStage.GetName():            enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SADueDate.GetName():          enumspb.INDEXED_VALUE_TYPE_DATETIME,
		SAStatutoryDueDate.GetName(): enumspb.INDEXED_VALUE_TYPE_DATETIME,
		SABreached.GetName():         enumspb.INDEXED_VALUE_TYPE_BOOL,
		SAController.GetName():       enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SAAssigneeID.GetName():       enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SANeedsAttention.GetName():   enumspb.INDEXED_VALUE_TYPE_BOOL,
	}
}
