package rights

import (
	"github.com/google/uuid"

	"github.com/rightsdesk/rightsdesk/internal/policy"
)

// ErrTypeFulfil is a fulfilment step that cannot succeed as mapped.
const ErrTypeFulfil = "FulfilmentImpossible"

// Steps a plan may hold.
const (
	StepErase    = "erase"
	StepRestrict = "restrict"
	// StepRectify is a correction a caseworker applies.
	StepRectify = "rectify"
	// StepLift lifts a restriction.
	StepLift = "lift"
)

// FulfilStep is one automated step in one dataset of one system.
type FulfilStep struct {
	RequestID uuid.UUID
	System    string
	Dataset   string
	Step      string
	// Values are a rectification's corrected values, by column.
	Values map[string]string `json:",omitempty"`
	// Seq tells apart several steps of one kind in one dataset (each
	// correction a caseworker applies).
	Seq int `json:",omitempty"`
}

// ManualStep is a system, or a step, that people carry out.
type ManualStep struct {
	System       string
	Name         string
	Instructions string
}

// FulfilmentPlan is what carrying out a decision takes: the automated
// steps, and the manual ones that become caseworker tasks.
type FulfilmentPlan struct {
	Steps  []FulfilStep
	Manual []ManualStep
	// Mapped is false when the controller has no data map: fulfilment is
	// then one caseworker task, as before the map.
	Mapped bool
	// Outside are the datasets serving a purpose the person objected to
	// whose processing rests on neither Art. 6(1)(e) nor (f) (a legal
	// obligation, say): Art. 21 does not reach them, and the reply says so.
	Outside []string `json:",omitempty"`
}

// StepResult is a step's outcome, recorded in the request's timeline.
type StepResult struct {
	System      string
	Dataset     string
	DatasetName string
	Step        string
	Rows        int64
	Held        int64
	Holds       []policy.Hold `json:",omitempty"`
	// Archived is the law under which the erased rows were delivered to
	// an archive before deletion (erase strategy archive).
	Archived string `json:",omitempty"`
	// Pending is a step an http system accepted and reports by callback,
	// under Key.
	Pending bool   `json:",omitempty"`
	Key     string `json:",omitempty"`
	// Recipients are those the dataset discloses data to (Art. 19), each
	// with NotNotified set when it is not told, and why.
	Recipients []RecipientRef `json:",omitempty"`
}

// RecipientRef names a recipient of a dataset; NotNotified is why it is
// not told of a change (from the data map, or that the map gives no
// address).
type RecipientRef struct {
	Name        string
	NotNotified string `json:",omitempty"`
}

// SignalSystemCallback is the signal that brings an http system's report
// of a step it accepted.
const SignalSystemCallback = "system-callback"

// Callback is an http system's report of a step.
type Callback struct {
	Key    string
	Status string // done or failed
	Rows   int64
	Held   int64
	Reason string `json:",omitempty"`
}

// StepPackage builds an access or portability package.
const StepPackage = "package"
