package workflows

import (
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/rightsdesk/rightsdesk/internal/rights"
)

// Stage is where a request stands.
type Stage string

// The stages of a request.
const (
	StageReceived   Stage = "received"
	StageIdentity   Stage = "identity"
	StageAssessment Stage = "assessment"
	StageFulfilment Stage = "fulfilment"
	StageReply      Stage = "reply"
	StageClosed     Stage = "closed"
	StageWithdrawn  Stage = "withdrawn"
	StageForwarded  Stage = "forwarded"
)

// Final reports whether nothing more happens to a request in stage s.
func (s Stage) Final() bool {
	return s == StageClosed || s == StageWithdrawn || s == StageForwarded
}

// Outcome is how a request ended.
type Outcome string

// The outcomes.
const (
	OutcomeGrant          Outcome = "grant"
	OutcomePartial        Outcome = "partial"
	OutcomeRefuse         Outcome = "refuse"
	OutcomeCannotIdentify Outcome = "cannot_identify"
	OutcomeNoAnswer       Outcome = "no_answer"
	OutcomeWithdrawn      Outcome = "withdrawn"
	OutcomeForwarded      Outcome = "forwarded"
)

// Update names: caseworker decisions and the subject's answers.
const (
	UpdateVerifyIdentity      = "verify-identity"
	UpdateRequestInformation  = "request-information"
	UpdateInformationReceived = "information-received"
	UpdateCannotIdentify      = "cannot-identify"
	UpdateDecide              = "decide"
	UpdateExtend              = "extend"
	UpdateAssign              = "assign"
	UpdateAddNote             = "add-note"
	UpdateWithdraw            = "withdraw"
	UpdateClaimTask           = "claim-task"
	UpdateCompleteTask        = "complete-task"
	UpdateSendLetter          = "send-letter"
	UpdateApplyCorrection     = "apply-correction"
	UpdateLiftRestriction     = "lift-restriction"
)

// QueryState returns the live State.
const QueryState = "state"

// MaxStaffIDLength bounds a staff member's opaque ID.
const MaxStaffIDLength = 200

// ValidStaffID reports whether id has the shape of a staff member's opaque
// ID: printable, without spaces, bounded. Whether the staff member exists is
// the API's check.
func ValidStaffID(id string) bool {
	if id == "" || len(id) > MaxStaffIDLength {
		return false
	}
	for _, r := range id {
		if r <= ' ' || r == 0x7f || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// Actor is who did something: a staff member's opaque ID, "subject", or "system".
type Actor string

// Actors that are not staff.
const (
	ActorSubject Actor = "subject"
	ActorSystem  Actor = "system"
)

// RequestInput starts a request's workflow. It holds IDs and facts, never
// personal data.
type RequestInput struct {
	RequestID    uuid.UUID
	ControllerID string
	Kind         rights.Kind
	Channel      string
	// ReceivedOn is the day the request reached any official channel of the
	// controller (a date at midnight UTC), which may be in the past.
	ReceivedOn time.Time
	// Identity is set when identity was verified at intake, e.g. by MitID.
	Identity *VerifyIdentity `json:",omitempty"`
	// ForwardedFrom is the processor's request this one was forwarded from.
	ForwardedFrom *uuid.UUID `json:",omitempty"`
}

// IdentityMethod is how identity was verified (never an ID copy, LEGAL.md §3).
type IdentityMethod string

// The identity methods.
const (
	IdentityMitID         IdentityMethod = "mitid"
	IdentityBankID        IdentityMethod = "bankid"
	IdentityKnownEmail    IdentityMethod = "known_email"
	IdentityDigitalPost   IdentityMethod = "digital_post"
	IdentityInPerson      IdentityMethod = "in_person"
	IdentityDocumentsSeen IdentityMethod = "documents_seen"
	// IdentityPhoneCallback: the caseworker called the person back on the
	// number the controller already held for them.
	IdentityPhoneCallback IdentityMethod = "phone_callback"
)

// IdentityMethods lists every method.
var IdentityMethods = []IdentityMethod{IdentityMitID, IdentityBankID, IdentityKnownEmail, IdentityDigitalPost, IdentityInPerson, IdentityDocumentsSeen, IdentityPhoneCallback}

// VerifyIdentity records that identity was checked, how and by whom.
type VerifyIdentity struct {
	Method IdentityMethod
	// AnswerReceivedOn is the day the subject's answer arrived, when the
	// clock was paused for it; zero means today.
	AnswerReceivedOn time.Time `json:",omitempty"`
	By               Actor
}

// InformationPurpose is why information is asked for; both pause the clock.
type InformationPurpose string

// The purposes that pause the clock (Art. 12(6), Recital 63).
const (
	PurposeIdentity      InformationPurpose = "identity"
	PurposeClarification InformationPurpose = "clarification"
)

// RequestInformation asks the subject for information; the clock stops.
type RequestInformation struct {
	Purpose InformationPurpose
	// What is asked, in words the subject understands.
	What string
	By   Actor
}

// InformationReceived records the subject's answer; the clock restarts on
// the day it arrived.
type InformationReceived struct {
	// ReceivedOn is the day the answer arrived; zero means today.
	ReceivedOn time.Time
	// Answer is the subject's answer: what they wrote on the status page,
	// or what staff recorded of an answer that came another way.
	Answer string `json:",omitempty"`
	By     Actor
}

// CannotIdentify closes a request whose subject the controller demonstrably
// cannot identify (Art. 11(2), 12(2)).
type CannotIdentify struct {
	Reason string
	// AnswerReceivedOn is the day the subject's answer arrived, when the
	// clock was paused for it; zero means today.
	AnswerReceivedOn time.Time `json:",omitempty"`
	By               Actor
}

// Decide records the caseworker's decision.
type Decide struct {
	Outcome Outcome
	// Grounds are the legal grounds of a refusal or partial refusal, from
	// GroundsFor(kind).
	Grounds []string
	// Assessment is the written assessment behind the decision.
	Assessment string
	// Justification sets out the facts that make a request manifestly
	// unfounded or excessive; required with ground 12(5).
	Justification string
	// OtherRequestsLastYear is how many other requests the same subject
	// made to this controller in the twelve months before this one, found
	// by the API through the blind index: with none, ground 12(5) cannot
	// apply (LEGAL.md §4: once a year is never excessive).
	OtherRequestsLastYear int `json:",omitempty"`
	// DirectMarketing is set by the API when an objection names a purpose
	// the record of processing marks as direct marketing: it is then
	// always honoured (Art. 21(3)).
	DirectMarketing bool `json:",omitempty"`
	By              Actor
}

// ExtensionReason is one of the two reasons Art. 12(3) allows.
type ExtensionReason string

// The reasons an extension may have.
const (
	ReasonComplexity       ExtensionReason = "complexity"
	ReasonNumberOfRequests ExtensionReason = "number_of_requests"
)

// Extend extends the deadline by up to two months, once.
type Extend struct {
	Reason ExtensionReason
	// Explanation is the reason in words, sent to the subject.
	Explanation string
	By          Actor
}

// Assign gives the request to a caseworker.
type Assign struct {
	Assignee string
	By       Actor
}

// AddNote adds a note to the case.
type AddNote struct {
	Text string
	By   Actor
}

// Withdraw records that the subject withdrew the request.
type Withdraw struct {
	By Actor
}

// ClaimTask assigns an open task (and the request, if unassigned) to the actor.
type ClaimTask struct {
	TaskID uuid.UUID
	By     Actor
}

// ApplyCorrection applies a rectification in one dataset of a system:
// the corrected values of the columns the data map allows.
type ApplyCorrection struct {
	System  string
	Dataset string
	Values  map[string]string
	By      Actor
}

// LiftRestriction lifts a restriction in place; the subject is told first.
type LiftRestriction struct {
	// Reason is told to the subject.
	Reason string
	By     Actor
}

// SendLetter sends a letter the caseworker decides on: a preliminary
// answer to a large case (Danish public bodies, within 30 days).
type SendLetter struct {
	Kind string
	By   Actor
}

// Letters a caseworker may send by SendLetter.
const LetterPreliminary = "preliminary"

// CompleteTask marks an open fulfilment task done.
type CompleteTask struct {
	TaskID uuid.UUID
	By     Actor
	// Found is what the caseworker did and found, for a fulfilment task
	// done by hand (what was erased, exported or corrected where).
	Found string `json:",omitempty"`
}

// TaskKind is the kind of a caseworker task.
type TaskKind string

// The task kinds.
const (
	TaskVerifyIdentity TaskKind = "verify_identity"
	TaskAwaitSubject   TaskKind = "await_subject"
	TaskDecide         TaskKind = "decide"
	TaskFulfil         TaskKind = "fulfil"
	// TaskAttention is open while a step of the request keeps failing; it
	// closes by itself when the step succeeds.
	TaskAttention TaskKind = "attention"
	// TaskPrintLetter is a letter to print and post (the subject gave no
	// digital address); completing it records that it was posted.
	TaskPrintLetter TaskKind = "print_letter"
	// TaskConfirmDelivery is an e-mail whose outcome is unknown (the
	// worker stopped mid-send): a caseworker looks for its Message-ID in
	// the mailbox and confirms; it is never resent blindly.
	TaskConfirmDelivery TaskKind = "confirm_delivery"
	// TaskApproveReply holds the reply for a caseworker's approval, where
	// the controller asks for it; the deadline keeps running.
	TaskApproveReply TaskKind = "approve_reply"
)

// deliveryTasks close only when a caseworker completes them.
var deliveryTasks = []TaskKind{TaskPrintLetter, TaskConfirmDelivery}

// TaskStatus is whether a task is open or done.
type TaskStatus string

// The task statuses.
const (
	TaskOpen      TaskStatus = "open"
	TaskDone      TaskStatus = "done"
	TaskCancelled TaskStatus = "cancelled"
)

// Task is one piece of work on a request.
type Task struct {
	ID          uuid.UUID
	Kind        TaskKind
	Status      TaskStatus
	Assignee    string `json:",omitempty"`
	DueOn       time.Time
	CreatedAt   time.Time
	CompletedAt *time.Time `json:",omitempty"`
	CompletedBy Actor      `json:",omitempty"`
	// LetterID is the letter a delivery task is about.
	LetterID *uuid.UUID `json:",omitempty"`
	// System and Instructions say where, and how, a fulfilment task is
	// carried out by hand.
	System       string `json:",omitempty"`
	Instructions string `json:",omitempty"`
	// Found is what the caseworker recorded on completing it.
	Found string `json:",omitempty"`
}

// Identity is the outcome of the identity check.
type Identity struct {
	Method IdentityMethod
	By     Actor
	At     time.Time
}

// Decision is the recorded decision.
type Decision struct {
	Outcome       Outcome
	Grounds       []string `json:",omitempty"`
	Assessment    string
	Justification string `json:",omitempty"`
	By            Actor
	At            time.Time
}

// Extension is the recorded extension.
type Extension struct {
	Reason      ExtensionReason
	Explanation string
	By          Actor
	At          time.Time
}

// Pause is one stop of the clock.
type Pause struct {
	Purpose InformationPurpose
	// What was asked of the subject.
	What      string `json:",omitempty"`
	PausedAt  time.Time
	ResumedAt *time.Time `json:",omitempty"`
	// Answer is the subject's answer, as written on the status page or
	// recorded by staff, if there was one.
	Answer string `json:",omitempty"`
}

// Attention is set while a step of a request keeps failing: the request is
// not stuck in silence, and its deadlines keep running.
type Attention struct {
	// Step is what fails: project, notify, reply or forward.
	Step string
	// Reason is "failing" (may mend itself) or "non_retryable:<type>".
	Reason string
	Since  time.Time
}

// State is a request's live state, answered by QueryState and returned by
// every Update.
type State struct {
	RequestID    uuid.UUID
	ControllerID string
	Kind         rights.Kind
	Channel      string
	Stage        Stage
	Outcome      Outcome `json:",omitempty"`
	// The dates of LEGAL.md §2, as dates (midnight UTC).
	ReceivedOn     time.Time
	DueOn          time.Time
	StatutoryDueOn time.Time
	ExtendedDueOn  *time.Time `json:",omitempty"`
	// DeadlineOn is the legal deadline in force: statutory, or extended.
	DeadlineOn time.Time
	// RefusalDueOn is when a refusal, also a partial one, is due: the
	// statutory deadline, which an extension does not move (Art. 12(4)).
	RefusalDueOn time.Time
	Paused       bool
	PausedDays   int
	Pauses       []Pause    `json:",omitempty"`
	Identity     *Identity  `json:",omitempty"`
	Decision     *Decision  `json:",omitempty"`
	Extension    *Extension `json:",omitempty"`
	Assignee     string     `json:",omitempty"`
	Tasks        []Task
	Notes        int
	// Breached is set once the deadline in force passed with no reply sent.
	Breached bool
	// Attention is set while a step keeps failing.
	Attention *Attention `json:",omitempty"`
	// Fulfilment records what each automated step did where the data lives.
	Fulfilment []rights.StepResult `json:",omitempty"`
	// BlockedBy lists other open requests of the person an erasure waits for.
	BlockedBy []string `json:",omitempty"`
	// Late is set when a refusal went out after the first month (Art. 12(4)).
	Late      bool
	RepliedAt *time.Time `json:",omitempty"`
	ClosedAt  *time.Time `json:",omitempty"`
	// ForwardedTo is the request created at the controller, for a processor.
	ForwardedTo *uuid.UUID `json:",omitempty"`
	// Version counts state changes; the read model keeps the highest.
	Version int64
}

// OpenTasks returns the tasks still open.
func (s State) OpenTasks() []Task {
	var out []Task
	for _, t := range s.Tasks {
		if t.Status == TaskOpen {
			out = append(out, t)
		}
	}
	return out
}

// Result is what a finished request workflow returns.
type Result struct {
	Stage   Stage
	Outcome Outcome
}
