package api

import (
	"time"

	"github.com/rightsdesk/rightsdesk/workflows"
)

// StateView is a request's live state as the API shows it.
type StateView struct {
	Stage          string          `json:"stage"`
	Outcome        string          `json:"outcome,omitempty"`
	ReceivedAt     string          `json:"received_at"`
	DueAt          string          `json:"due_at"`
	StatutoryDueAt string          `json:"statutory_due_at"`
	ExtendedDueAt  *string         `json:"extended_due_at"`
	DeadlineAt     string          `json:"deadline_at"`
	RefusalDueAt   string          `json:"refusal_due_at"`
	Paused         bool            `json:"paused"`
	PausedDays     int             `json:"paused_days"`
	Pauses         []PauseView     `json:"pauses"`
	Identity       *IdentityView   `json:"identity"`
	Decision       *DecisionView   `json:"decision"`
	Extension      *ExtensionView  `json:"extension"`
	Assignee       string          `json:"assignee,omitempty"`
	Tasks          []TaskStateView `json:"tasks"`
	Notes          int             `json:"notes"`
	Breached       bool            `json:"breached"`
	Late           bool            `json:"late"`
	RepliedAt      *time.Time      `json:"replied_at"`
	ClosedAt       *time.Time      `json:"closed_at"`
	Version        int64           `json:"version"`
	Attention      *AttentionView  `json:"attention"`
	// BlockedBy lists the person's other open requests an erasure waits for.
	BlockedBy []string `json:"blocked_by"`
	// Fulfilment is what each automated step did where the data lives.
	Fulfilment []FulfilmentView `json:"fulfilment"`
}

// FulfilmentView is one automated step's outcome.
type FulfilmentView struct {
	System  string `json:"system"`
	Dataset string `json:"dataset"`
	Step    string `json:"step"`
	Rows    int64  `json:"rows"`
	Held    int64  `json:"held"`
}

// PauseView is one stop of the clock: the question asked and the answer.
type PauseView struct {
	Purpose string `json:"purpose"`
	// What is what the subject was asked for.
	What      string     `json:"what,omitempty"`
	PausedAt  time.Time  `json:"paused_at"`
	ResumedAt *time.Time `json:"resumed_at"`
	// Answer is the subject's answer: written on the status page, or
	// recorded by staff when it came another way.
	Answer string `json:"answer,omitempty"`
}

// IdentityView is how identity was verified.
type IdentityView struct {
	Method string    `json:"method"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// DecisionView is the decision.
type DecisionView struct {
	Outcome       string    `json:"outcome"`
	Grounds       []string  `json:"grounds"`
	Assessment    string    `json:"assessment"`
	Justification string    `json:"justification,omitempty"`
	By            string    `json:"by"`
	At            time.Time `json:"at"`
}

// ExtensionView is the extension.
type ExtensionView struct {
	Reason      string    `json:"reason"`
	Explanation string    `json:"explanation"`
	By          string    `json:"by"`
	At          time.Time `json:"at"`
}

// TaskStateView is one task of the live state.
type TaskStateView struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind"`
	Status      string     `json:"status"`
	Assignee    string     `json:"assignee,omitempty"`
	DueAt       string     `json:"due_at"`
	CompletedAt *time.Time `json:"completed_at"`
	CompletedBy string     `json:"completed_by,omitempty"`
	LetterID    *string    `json:"letter_id,omitempty"`
	// System and Instructions say where and how a fulfilment task is done.
	System       string `json:"system,omitempty"`
	Instructions string `json:"instructions,omitempty"`
	// Found is what the caseworker did and found, recorded on completion.
	Found string `json:"found,omitempty"`
}

func stateView(s workflows.State) StateView {
	v := StateView{
		Stage: string(s.Stage), Outcome: string(s.Outcome), ReceivedAt: dateOf(s.ReceivedOn), DueAt: dateOf(s.DueOn),
		StatutoryDueAt: dateOf(s.StatutoryDueOn), ExtendedDueAt: dateOfPtr(s.ExtendedDueOn), DeadlineAt: dateOf(s.DeadlineOn),
		Paused: s.Paused, PausedDays: s.PausedDays, Pauses: []PauseView{}, Assignee: s.Assignee, Tasks: []TaskStateView{},
		Notes: s.Notes, Breached: s.Breached, Late: s.Late, RepliedAt: s.RepliedAt, ClosedAt: s.ClosedAt, Version: s.Version,
		RefusalDueAt: dateOf(s.StatutoryDueOn), // = RefusalDueOn, which requests older than it lack
	}
	if a := s.Attention; a != nil {
		v.Attention = &AttentionView{Step: a.Step, Since: a.Since}
	}
	v.BlockedBy = append([]string{}, s.BlockedBy...)
	v.Fulfilment = []FulfilmentView{}
	for _, f := range s.Fulfilment {
		v.Fulfilment = append(v.Fulfilment, FulfilmentView{System: f.System, Dataset: f.Dataset, Step: f.Step, Rows: f.Rows, Held: f.Held})
	}
	for _, p := range s.Pauses {
		v.Pauses = append(v.Pauses, PauseView{Purpose: string(p.Purpose), What: p.What, PausedAt: p.PausedAt, ResumedAt: p.ResumedAt, Answer: p.Answer})
	}
	if i := s.Identity; i != nil {
		v.Identity = &IdentityView{Method: string(i.Method), By: string(i.By), At: i.At}
	}
	if d := s.Decision; d != nil {
		grounds := d.Grounds
		if grounds == nil {
			grounds = []string{}
		}
		v.Decision = &DecisionView{Outcome: string(d.Outcome), Grounds: grounds, Assessment: d.Assessment, Justification: d.Justification, By: string(d.By), At: d.At}
	}
	if e := s.Extension; e != nil {
		v.Extension = &ExtensionView{Reason: string(e.Reason), Explanation: e.Explanation, By: string(e.By), At: e.At}
	}
	for _, t := range s.Tasks {
		tv := TaskStateView{ID: t.ID.String(), Kind: string(t.Kind), Status: string(t.Status), Assignee: t.Assignee,
			DueAt: dateOf(t.DueOn), CompletedAt: t.CompletedAt, CompletedBy: string(t.CompletedBy), System: t.System, Instructions: t.Instructions, Found: t.Found}
		if t.LetterID != nil {
			l := t.LetterID.String()
			tv.LetterID = &l
		}
		v.Tasks = append(v.Tasks, tv)
	}
	return v
}

// fromLive overwrites the read model's summary of a request with its live
// state, so the top of a request's detail never contradicts its state.
func (v *RequestView) fromLive(s workflows.State) {
	v.Stage = string(s.Stage)
	v.Outcome = nil
	if s.Outcome != "" {
		o := string(s.Outcome)
		v.Outcome = &o
	}
	v.DueAt, v.StatutoryDueAt, v.RefusalDueAt = dateOfPtr(&s.DueOn), dateOfPtr(&s.StatutoryDueOn), dateOfPtr(&s.StatutoryDueOn)
	v.ExtendedDueAt = dateOfPtr(s.ExtendedDueOn)
	v.Paused, v.Breached, v.Late, v.ClosedAt = s.Paused, s.Breached, s.Late, s.ClosedAt
	v.Assignee = nil
	if s.Assignee != "" {
		a := s.Assignee
		v.Assignee = &a
	}
	v.Attention = nil
	if a := s.Attention; a != nil {
		v.Attention = &AttentionView{Step: a.Step, Since: a.Since}
	}
}
