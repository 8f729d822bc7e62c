package api

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// updateID is the Update's ID: the Idempotency-Key scoped to the actor, so
// a retried call is applied once; without a key every call is new.
func updateID(c echo.Context, p *Principal) string {
	if k := c.Request().Header.Get("Idempotency-Key"); k != "" {
		return p.Actor + "/" + k
	}
	return uuid.NewString()
}

// action decodes an action body, turns it into an Update argument and sends it.
func action[B any](s *Server, name string, build func(B, *Principal) (any, error)) echo.HandlerFunc {
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
		arg, err := build(b, p)
		if err != nil {
			return err
		}
		st, err := s.update(c.Request().Context(), r.ID, updateID(c, p), name, arg)
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
	}
	// InformationRequestBody asks the subject for information; the clock stops.
	InformationRequestBody struct {
		Purpose string `json:"purpose"`
		What    string `json:"what"`
	}
	// InformationBody records that the subject's answer arrived (by post, say).
	InformationBody struct {
		ReceivedAt string `json:"received_at,omitempty"`
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
)

func (s *Server) actionRoutes(g *echo.Group) {
	g.POST("/:id/identity", action(s, workflows.UpdateVerifyIdentity, func(b IdentityActionBody, p *Principal) (any, error) {
		return workflows.VerifyIdentity{Method: workflows.IdentityMethod(b.Method), By: workflows.Actor(p.Actor)}, nil
	}))
	g.POST("/:id/information-request", action(s, workflows.UpdateRequestInformation, func(b InformationRequestBody, p *Principal) (any, error) {
		return workflows.RequestInformation{Purpose: workflows.InformationPurpose(b.Purpose), What: b.What, By: workflows.Actor(p.Actor)}, nil
	}))
	g.POST("/:id/information", action(s, workflows.UpdateInformationReceived, func(b InformationBody, p *Principal) (any, error) {
		in := workflows.InformationReceived{By: workflows.Actor(p.Actor)}
		if b.ReceivedAt != "" {
			d, err := deadline.ParseDate(b.ReceivedAt)
			if err != nil {
				var errs fieldErrors
				errs.add("/received_at", "%q is not a real date (YYYY-MM-DD)", b.ReceivedAt)
				return nil, errs.problem()
			}
			in.ReceivedOn = d
		}
		return in, nil
	}))
	g.POST("/:id/decision", action(s, workflows.UpdateDecide, func(b DecisionBody, p *Principal) (any, error) {
		return workflows.Decide{Outcome: workflows.Outcome(b.Outcome), Grounds: b.Grounds, Assessment: b.Assessment, Justification: b.Justification, By: workflows.Actor(p.Actor)}, nil
	}))
	g.POST("/:id/extension", action(s, workflows.UpdateExtend, func(b ExtensionBody, p *Principal) (any, error) {
		return workflows.Extend{Reason: workflows.ExtensionReason(b.Reason), Explanation: b.Explanation, By: workflows.Actor(p.Actor)}, nil
	}))
	g.POST("/:id/assignment", action(s, workflows.UpdateAssign, func(b AssignmentBody, p *Principal) (any, error) {
		return workflows.Assign{Assignee: b.Assignee, By: workflows.Actor(p.Actor)}, nil
	}))
	g.POST("/:id/notes", action(s, workflows.UpdateAddNote, func(b NoteBody, p *Principal) (any, error) {
		return workflows.AddNote{Text: b.Text, By: workflows.Actor(p.Actor)}, nil
	}))
	g.POST("/:id/withdrawal", action(s, workflows.UpdateWithdraw, func(_ WithdrawalBody, p *Principal) (any, error) {
		return workflows.Withdraw{By: workflows.Actor(p.Actor)}, nil
	}))
}
