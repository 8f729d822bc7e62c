package cases

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// MaxIdempotencyKey bounds an idempotency key.
const MaxIdempotencyKey = 200

// MaxText bounds free text.
const MaxText = 10000

// maxGrounds bounds the grounds of one decision.
const maxGrounds = 10

// Action is a caseworker's action on a request: one of the command types
// below. Their JSON names are the API's bodies; a page fills the same
// fields from its form, whose field names are the JSON names.
type Action interface {
	// Update is the workflow Update the action sends.
	Update() string
	// build validates the action and makes the Update's argument.
	build(ctx context.Context, s *Service, p *Principal, r store.Request) (any, error)
}

// The actions.
type (
	// VerifyIdentity records how identity was verified.
	VerifyIdentity struct {
		Method string `json:"method"`
		// AnswerReceivedAt is the day the subject's answer arrived, when
		// the clock was paused for it, YYYY-MM-DD; default today.
		AnswerReceivedAt string `json:"answer_received_at,omitempty"`
	}
	// CannotIdentify closes a request whose subject cannot be identified.
	CannotIdentify struct {
		Reason           string `json:"reason"`
		AnswerReceivedAt string `json:"answer_received_at,omitempty"`
	}
	// RequestInformation asks the subject for information; the clock stops.
	RequestInformation struct {
		Purpose string `json:"purpose"`
		What    string `json:"what"`
	}
	// InformationReceived records that the subject's answer arrived (by
	// post, say), and optionally what it said.
	InformationReceived struct {
		ReceivedAt string `json:"received_at,omitempty"`
		Answer     string `json:"answer,omitempty"`
	}
	// Decide records the decision.
	Decide struct {
		Outcome       string   `json:"outcome"`
		Grounds       []string `json:"grounds,omitempty"`
		Assessment    string   `json:"assessment"`
		Justification string   `json:"justification,omitempty"`
	}
	// Extend extends the deadline.
	Extend struct {
		Reason      string `json:"reason"`
		Explanation string `json:"explanation"`
	}
	// Assign assigns the request.
	Assign struct {
		Assignee string `json:"assignee"`
	}
	// AddNote adds a note.
	AddNote struct {
		Text string `json:"text"`
	}
	// Withdraw records a withdrawal the subject made by phone or letter.
	Withdraw struct{}
	// LiftRestriction lifts a restriction in place.
	LiftRestriction struct {
		Reason string `json:"reason"`
	}
	// ApplyCorrection applies a rectification in one dataset of a system.
	ApplyCorrection struct {
		System  string            `json:"system"`
		Dataset string            `json:"dataset"`
		Values  map[string]string `json:"values"`
	}
	// SendLetter sends a letter the caseworker decides on.
	SendLetter struct {
		Kind string `json:"kind"`
	}
)

// Actions are the actions by their route name (POST /v1/requests/{id}/<name>,
// the case page's form <name>); each value is a new, empty command.
var Actions = map[string]func() Action{
	"identity":            func() Action { return &VerifyIdentity{} },
	"cannot-identify":     func() Action { return &CannotIdentify{} },
	"information-request": func() Action { return &RequestInformation{} },
	"information":         func() Action { return &InformationReceived{} },
	"decision":            func() Action { return &Decide{} },
	"extension":           func() Action { return &Extend{} },
	"assignment":          func() Action { return &Assign{} },
	"notes":               func() Action { return &AddNote{} },
	"corrections":         func() Action { return &ApplyCorrection{} },
	"lift-restriction":    func() Action { return &LiftRestriction{} },
	"withdrawal":          func() Action { return &Withdraw{} },
	"letters":             func() Action { return &SendLetter{} },
}

// Act applies a caseworker's action to a request p may see, in the
// service's order: visibility, validation, the idempotency key, then the
// workflow's Update, whose validator applies the law's rules. key is the
// client's idempotency key ("" makes every call new). The state returned
// is the workflow's after the action.
func (s *Service) Act(ctx context.Context, p *Principal, requestID uuid.UUID, key string, a Action) (workflows.State, error) {
	r, err := s.Request(ctx, p, requestID)
	if err != nil {
		return workflows.State{}, err
	}
	arg, err := a.build(ctx, s, p, r)
	if err != nil {
		return workflows.State{}, err
	}
	id, err := s.updateID(ctx, key, p.Actor, a.Update(), r.ID, a)
	if err != nil {
		return workflows.State{}, err
	}
	return s.update(ctx, r.ID, id, a.Update(), arg)
}

// updateID is the ID of the Update an action sends. Without a key every
// call is new. With one, the ID derives from the action, the actor and the
// key, and the key is bound to the action, request and body it was first
// used with: reused for another, the answer is a KeyReused conflict, never
// a success that silently drops a decision.
func (s *Service) updateID(ctx context.Context, key, actor, name string, requestID uuid.UUID, body any) (string, error) {
	if key == "" {
		return uuid.NewString(), nil
	}
	if len(key) > MaxIdempotencyKey {
		return "", &MalformedError{Detail: "the Idempotency-Key is at most 200 characters"}
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	// The key is the client's text: only its hash is kept or sent on.
	sum := sha256.Sum256([]byte(actor + "\x00" + key))
	keyHash := hex.EncodeToString(sum[:16])
	digest := s.keys.BlindIndex("action", name+"\x00"+requestID.String()+"\x00"+string(raw))
	first, err := s.store.BindActionKey(ctx, store.ActionKey{Actor: actor, Key: keyHash, Action: name, RequestID: requestID, Digest: digest})
	if err != nil {
		return "", s.storeError(err)
	}
	if first.Action != name || first.RequestID != requestID || string(first.Digest) != string(digest) {
		return "", &ConflictError{Reason: KeyReused, Detail: "this Idempotency-Key was used for another action, request or body; nothing was changed"}
	}
	return name + "/" + keyHash, nil
}

// answerDay parses the optional day a subject's answer arrived.
func answerDay(pointer, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	d, err := deadline.ParseDate(v)
	if err != nil {
		var errs FieldErrors
		errs.Add(pointer, "not a real date (YYYY-MM-DD)")
		return time.Time{}, errs
	}
	return d, nil
}

// textLimit refuses free text longer than MaxText.
func textLimit(pointer, v string) error {
	if len(v) <= MaxText {
		return nil
	}
	var errs FieldErrors
	errs.Add(pointer, "at most %d characters", MaxText)
	return errs
}

func by(p *Principal) workflows.Actor { return workflows.Actor(p.Actor) }

// Update names.
func (*VerifyIdentity) Update() string      { return workflows.UpdateVerifyIdentity }
func (*CannotIdentify) Update() string      { return workflows.UpdateCannotIdentify }
func (*RequestInformation) Update() string  { return workflows.UpdateRequestInformation }
func (*InformationReceived) Update() string { return workflows.UpdateInformationReceived }
func (*Decide) Update() string              { return workflows.UpdateDecide }
func (*Extend) Update() string              { return workflows.UpdateExtend }
func (*Assign) Update() string              { return workflows.UpdateAssign }
func (*AddNote) Update() string             { return workflows.UpdateAddNote }
func (*Withdraw) Update() string            { return workflows.UpdateWithdraw }
func (*LiftRestriction) Update() string     { return workflows.UpdateLiftRestriction }
func (*ApplyCorrection) Update() string     { return workflows.UpdateApplyCorrection }
func (*SendLetter) Update() string          { return workflows.UpdateSendLetter }

func (b *VerifyIdentity) build(ctx context.Context, s *Service, p *Principal, r store.Request) (any, error) {
	on, err := answerDay("/answer_received_at", b.AnswerReceivedAt)
	if err != nil {
		return nil, err
	}
	if workflows.IdentityMethod(b.Method) == workflows.IdentityKnownEmail {
		// A known address is checked against what the controller holds.
		m, err := s.requestMatches(ctx, r)
		if err != nil {
			return nil, err
		}
		if !m.KnownEmail.Holds {
			return nil, &RuleError{Rule: rights.Rule(m.KnownEmail.Rule), Detail: m.KnownEmail.Detail}
		}
	}
	return workflows.VerifyIdentity{Method: workflows.IdentityMethod(b.Method), AnswerReceivedOn: on, By: by(p)}, nil
}

func (b *CannotIdentify) build(_ context.Context, _ *Service, p *Principal, _ store.Request) (any, error) {
	if err := textLimit("/reason", b.Reason); err != nil {
		return nil, err
	}
	on, err := answerDay("/answer_received_at", b.AnswerReceivedAt)
	return workflows.CannotIdentify{Reason: b.Reason, AnswerReceivedOn: on, By: by(p)}, err
}

func (b *RequestInformation) build(_ context.Context, _ *Service, p *Principal, _ store.Request) (any, error) {
	if err := textLimit("/what", b.What); err != nil {
		return nil, err
	}
	return workflows.RequestInformation{Purpose: workflows.InformationPurpose(b.Purpose), What: b.What, By: by(p)}, nil
}

func (b *InformationReceived) build(_ context.Context, _ *Service, p *Principal, _ store.Request) (any, error) {
	if err := textLimit("/answer", b.Answer); err != nil {
		return nil, err
	}
	on, err := answerDay("/received_at", b.ReceivedAt)
	return workflows.InformationReceived{ReceivedOn: on, Answer: b.Answer, By: by(p)}, err
}

func (b *Decide) build(ctx context.Context, s *Service, p *Principal, r store.Request) (any, error) {
	var errs FieldErrors
	if len(b.Grounds) > maxGrounds {
		errs.Add("/grounds", "at most %d grounds", maxGrounds)
	}
	if len(b.Assessment) > MaxText || len(b.Justification) > MaxText {
		errs.Add("", "assessment and justification are at most %d characters each", MaxText)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	d := workflows.Decide{Outcome: workflows.Outcome(b.Outcome), Grounds: b.Grounds, Assessment: b.Assessment, Justification: b.Justification, By: by(p)}
	if slices.Contains(b.Grounds, rights.Ground12_5) {
		// Art. 12(5) needs facts: the person's other requests, through
		// the blind index.
		n, err := s.intake.OtherRequestsLastYear(ctx, r)
		if err != nil {
			return nil, s.storeError(err)
		}
		d.OtherRequestsLastYear = n
	}
	if r.Kind == string(rights.KindObjection) {
		dm, err := s.objectsToMarketing(ctx, r)
		if err != nil {
			return nil, err
		}
		d.DirectMarketing = dm
	}
	return d, nil
}

func (b *Extend) build(_ context.Context, _ *Service, p *Principal, _ store.Request) (any, error) {
	if err := textLimit("/explanation", b.Explanation); err != nil {
		return nil, err
	}
	return workflows.Extend{Reason: workflows.ExtensionReason(b.Reason), Explanation: b.Explanation, By: by(p)}, nil
}

func (b *Assign) build(ctx context.Context, s *Service, p *Principal, r store.Request) (any, error) {
	if err := s.checkAssignee(ctx, b.Assignee, r.ControllerID); err != nil {
		return nil, err
	}
	return workflows.Assign{Assignee: b.Assignee, By: by(p)}, nil
}

func (b *AddNote) build(_ context.Context, _ *Service, p *Principal, _ store.Request) (any, error) {
	return workflows.AddNote{Text: b.Text, By: by(p)}, nil
}

func (b *ApplyCorrection) build(_ context.Context, _ *Service, p *Principal, _ store.Request) (any, error) {
	for col, v := range b.Values {
		if len(col) > 63 || len(v) > MaxText {
			var errs FieldErrors
			errs.Add("/values", "column names of at most 63 and values of at most %d characters", MaxText)
			return nil, errs
		}
	}
	return workflows.ApplyCorrection{System: b.System, Dataset: b.Dataset, Values: b.Values, By: by(p)}, nil
}

func (b *LiftRestriction) build(_ context.Context, _ *Service, p *Principal, _ store.Request) (any, error) {
	return workflows.LiftRestriction{Reason: b.Reason, By: by(p)}, nil
}

func (*Withdraw) build(_ context.Context, _ *Service, p *Principal, _ store.Request) (any, error) {
	return workflows.Withdraw{By: by(p)}, nil
}

func (b *SendLetter) build(_ context.Context, _ *Service, p *Principal, _ store.Request) (any, error) {
	return workflows.SendLetter{Kind: b.Kind, By: by(p)}, nil
}
