package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm/clause"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// maxIdempotencyKey bounds an Idempotency-Key.
const maxIdempotencyKey = 200

// actionUpdateID is the ID of the Update an action sends. Without an
// Idempotency-Key every call is new. With one, the ID derives from the
// action, the actor and the key, and the key is bound to the action,
// request and body it was first used with: reused for another, the answer is
// 409 idempotency-key-reused, never a 200 that silently drops a decision.
func (s *Server) actionUpdateID(ctx context.Context, key, actor, name string, requestID uuid.UUID, body any) (string, error) {
	if key == "" {
		return uuid.NewString(), nil
	}
	if len(key) > maxIdempotencyKey {
		return "", NewProblem(http.StatusBadRequest, "malformed", "the Idempotency-Key is at most 200 characters")
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	// The key is the client's text: only its hash is kept or sent on.
	sum := sha256.Sum256([]byte(actor + "\x00" + key))
	keyHash := hex.EncodeToString(sum[:16])
	digest := s.keys.BlindIndex("action", name+"\x00"+requestID.String()+"\x00"+string(raw))
	row := store.ActionKey{Actor: actor, Key: keyHash, Action: name, RequestID: requestID, Digest: digest}
	db := s.store.DB.WithContext(ctx)
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return "", s.storeError(err)
	}
	var first store.ActionKey
	if err := db.First(&first, "actor = ? AND key = ?", actor, keyHash).Error; err != nil {
		return "", s.storeError(err)
	}
	if first.Action != name || first.RequestID != requestID || string(first.Digest) != string(digest) {
		return "", NewProblem(http.StatusConflict, "idempotency-key-reused", "this Idempotency-Key was used for another action, request or body; nothing was changed")
	}
	return name + "/" + keyHash, nil
}

// action decodes an action body, turns it into an Update argument and sends it.
func action[B any](s *Server, name string, build func(c echo.Context, b B, p *Principal, r store.Request) (any, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := principal(c)
		r, err := s.visibleRequest(c, p)
		if err != nil {
			return err
		}
		var b B
		if err := decode(c, &b); err != nil {
			return err
		}
		arg, err := build(c, b, p, r)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		id, err := s.actionUpdateID(ctx, c.Request().Header.Get("Idempotency-Key"), p.Actor, name, r.ID, b)
		if err != nil {
			return err
		}
		st, err := s.update(ctx, r.ID, id, name, arg)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, stateView(st))
	}
}

// Action bodies.
type (
	// IdentityActionBody records how identity was verified.
	IdentityActionBody struct {
		Method string `json:"method"`
		// AnswerReceivedAt is the day the subject's answer arrived, when
		// the clock was paused for it; default today.
		AnswerReceivedAt string `json:"answer_received_at,omitempty"`
	}
	// CannotIdentifyBody closes a request whose subject cannot be identified.
	CannotIdentifyBody struct {
		Reason           string `json:"reason"`
		AnswerReceivedAt string `json:"answer_received_at,omitempty"`
	}
	// InformationRequestBody asks the subject for information; the clock stops.
	InformationRequestBody struct {
		Purpose string `json:"purpose"`
		What    string `json:"what"`
	}
	// InformationBody records that the subject's answer arrived (by post,
	// say), and optionally what it said.
	InformationBody struct {
		ReceivedAt string `json:"received_at,omitempty"`
		Answer     string `json:"answer,omitempty"`
	}
	// DecisionBody records the decision.
	DecisionBody struct {
		Outcome       string   `json:"outcome"`
		Grounds       []string `json:"grounds,omitempty"`
		Assessment    string   `json:"assessment"`
		Justification string   `json:"justification,omitempty"`
	}
	// ExtensionBody extends the deadline.
	ExtensionBody struct {
		Reason      string `json:"reason"`
		Explanation string `json:"explanation"`
	}
	// AssignmentBody assigns the request.
	AssignmentBody struct {
		Assignee string `json:"assignee"`
	}
	// NoteBody adds a note.
	NoteBody struct {
		Text string `json:"text"`
	}
	// WithdrawalBody records a withdrawal the subject made by phone or letter.
	WithdrawalBody struct{}
	// LiftRestrictionBody lifts a restriction in place.
	// CompleteTaskBody optionally records, for a fulfilment task done by
	// hand, what the caseworker did and found.
	CompleteTaskBody struct {
		Found string `json:"found"`
	}
	LiftRestrictionBody struct {
		Reason string `json:"reason"`
	}
	// ApplyCorrectionBody applies a rectification in one dataset of a system.
	ApplyCorrectionBody struct {
		System  string            `json:"system"`
		Dataset string            `json:"dataset"`
		Values  map[string]string `json:"values"`
	}
)

// objectsToMarketing reports whether an objection names a purpose the
// controller's record of processing marks as direct marketing: then the
// workflow refuses any refusal (Art. 21(3)).
func (s *Server) objectsToMarketing(ctx context.Context, r store.Request) (bool, error) {
	_, raw, err := s.intake.OpenRequest(ctx, r)
	if err != nil || len(raw) == 0 {
		return false, nil //nolint:nilerr // erased or no details: nothing named
	}
	var details DetailsBody
	if err := json.Unmarshal(raw, &details); err != nil || len(details.Purposes) == 0 {
		return false, nil //nolint:nilerr // nothing named
	}
	var row store.Controller
	if err := s.store.DB.WithContext(ctx).First(&row, "id = ?", r.ControllerID).Error; err != nil {
		return false, s.storeError(err)
	}
	settings, err := controllers.SettingsOf(row)
	if err != nil || settings.Processing == nil {
		return false, err
	}
	for _, p := range settings.Processing.Purposes {
		if !p.DirectMarketing {
			continue
		}
		if rights.AnyPurposeMatches(details.Purposes, []string{p.Name}) {
			return true, nil
		}
	}
	return false, nil
}

// maxGrounds bounds the grounds of one decision.
const maxGrounds = 10

// answerDay parses the optional day a subject's answer arrived.
func answerDay(pointer, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	d, err := deadline.ParseDate(v)
	if err != nil {
		var errs fieldErrors
		errs.add(pointer, "not a real date (YYYY-MM-DD)")
		return time.Time{}, errs.problem()
	}
	return d, nil
}

// textLimit refuses free text longer than maxText.
func textLimit(pointer, v string) error {
	if len(v) <= maxText {
		return nil
	}
	var errs fieldErrors
	errs.add(pointer, "at most %d characters", maxText)
	return errs.problem()
}

func (s *Server) actionRoutes(g *echo.Group, m echo.MiddlewareFunc) {
	s.act(g, m, "identity", action(s, workflows.UpdateVerifyIdentity, func(c echo.Context, b IdentityActionBody, p *Principal, r store.Request) (any, error) {
		on, err := answerDay("/answer_received_at", b.AnswerReceivedAt)
		if err != nil {
			return nil, err
		}
		if workflows.IdentityMethod(b.Method) == workflows.IdentityKnownEmail {
			// A known address is checked against what the controller holds.
			m, err := s.requestMatches(c.Request().Context(), r)
			if err != nil {
				return nil, err
			}
			if !m.KnownEmail.Holds {
				p := NewProblem(http.StatusUnprocessableEntity, "rule-broken", m.KnownEmail.Detail)
				p.Rule = m.KnownEmail.Rule
				return nil, p
			}
		}
		return workflows.VerifyIdentity{Method: workflows.IdentityMethod(b.Method), AnswerReceivedOn: on, By: workflows.Actor(p.Actor)}, nil
	}))
	s.act(g, m, "cannot-identify", action(s, workflows.UpdateCannotIdentify, func(_ echo.Context, b CannotIdentifyBody, p *Principal, _ store.Request) (any, error) {
		if err := textLimit("/reason", b.Reason); err != nil {
			return nil, err
		}
		on, err := answerDay("/answer_received_at", b.AnswerReceivedAt)
		return workflows.CannotIdentify{Reason: b.Reason, AnswerReceivedOn: on, By: workflows.Actor(p.Actor)}, err
	}))
	s.act(g, m, "information-request", action(s, workflows.UpdateRequestInformation, func(_ echo.Context, b InformationRequestBody, p *Principal, _ store.Request) (any, error) {
		if err := textLimit("/what", b.What); err != nil {
			return nil, err
		}
		return workflows.RequestInformation{Purpose: workflows.InformationPurpose(b.Purpose), What: b.What, By: workflows.Actor(p.Actor)}, nil
	}))
	s.act(g, m, "information", action(s, workflows.UpdateInformationReceived, func(_ echo.Context, b InformationBody, p *Principal, _ store.Request) (any, error) {
		if err := textLimit("/answer", b.Answer); err != nil {
			return nil, err
		}
		on, err := answerDay("/received_at", b.ReceivedAt)
		return workflows.InformationReceived{ReceivedOn: on, Answer: b.Answer, By: workflows.Actor(p.Actor)}, err
	}))
	s.act(g, m, "decision", action(s, workflows.UpdateDecide, func(c echo.Context, b DecisionBody, p *Principal, r store.Request) (any, error) {
		var errs fieldErrors
		if len(b.Grounds) > maxGrounds {
			errs.add("/grounds", "at most %d grounds", maxGrounds)
		}
		if len(b.Assessment) > maxText || len(b.Justification) > maxText {
			errs.add("", "assessment and justification are at most %d characters each", maxText)
		}
		if err := errs.problem(); err != nil {
			return nil, err
		}
		d := workflows.Decide{Outcome: workflows.Outcome(b.Outcome), Grounds: b.Grounds, Assessment: b.Assessment, Justification: b.Justification, By: workflows.Actor(p.Actor)}
		if slices.Contains(b.Grounds, rights.Ground12_5) {
			// Art. 12(5) needs facts: the person's other requests, through
			// the blind index.
			n, err := s.intake.OtherRequestsLastYear(c.Request().Context(), r)
			if err != nil {
				return nil, s.storeError(err)
			}
			d.OtherRequestsLastYear = n
		}
		if r.Kind == string(rights.KindObjection) {
			dm, err := s.objectsToMarketing(c.Request().Context(), r)
			if err != nil {
				return nil, err
			}
			d.DirectMarketing = dm
		}
		return d, nil
	}))
	s.act(g, m, "extension", action(s, workflows.UpdateExtend, func(_ echo.Context, b ExtensionBody, p *Principal, _ store.Request) (any, error) {
		if err := textLimit("/explanation", b.Explanation); err != nil {
			return nil, err
		}
		return workflows.Extend{Reason: workflows.ExtensionReason(b.Reason), Explanation: b.Explanation, By: workflows.Actor(p.Actor)}, nil
	}))
	s.act(g, m, "assignment", action(s, workflows.UpdateAssign, func(c echo.Context, b AssignmentBody, p *Principal, r store.Request) (any, error) {
		if err := s.checkAssignee(c.Request().Context(), b.Assignee, r.ControllerID); err != nil {
			return nil, err
		}
		return workflows.Assign{Assignee: b.Assignee, By: workflows.Actor(p.Actor)}, nil
	}))
	s.act(g, m, "notes", action(s, workflows.UpdateAddNote, func(_ echo.Context, b NoteBody, p *Principal, _ store.Request) (any, error) {
		return workflows.AddNote{Text: b.Text, By: workflows.Actor(p.Actor)}, nil
	}))
	s.act(g, m, "corrections", action(s, workflows.UpdateApplyCorrection, func(_ echo.Context, b ApplyCorrectionBody, p *Principal, _ store.Request) (any, error) {
		for col, v := range b.Values {
			if len(col) > 63 || len(v) > maxText {
				var errs fieldErrors
				errs.add("/values", "column names of at most 63 and values of at most %d characters", maxText)
				return nil, errs.problem()
			}
		}
		return workflows.ApplyCorrection{System: b.System, Dataset: b.Dataset, Values: b.Values, By: workflows.Actor(p.Actor)}, nil
	}))
	s.act(g, m, "lift-restriction", action(s, workflows.UpdateLiftRestriction, func(_ echo.Context, b LiftRestrictionBody, p *Principal, _ store.Request) (any, error) {
		return workflows.LiftRestriction{Reason: b.Reason, By: workflows.Actor(p.Actor)}, nil
	}))
	s.act(g, m, "withdrawal", action(s, workflows.UpdateWithdraw, func(_ echo.Context, _ WithdrawalBody, p *Principal, _ store.Request) (any, error) {
		return workflows.Withdraw{By: workflows.Actor(p.Actor)}, nil
	}))
}

// act registers an action's route and keeps its handler for the web UI,
// which calls the same handler in process.
func (s *Server) act(g *echo.Group, m echo.MiddlewareFunc, name string, h echo.HandlerFunc) {
	if s.actions == nil {
		s.actions = map[string]echo.HandlerFunc{}
	}
	s.actions[name] = h
	g.POST("/:id/"+name, h, m)
}
