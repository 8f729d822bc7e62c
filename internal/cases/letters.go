package cases

import (
	"context"

	"github.com/google/uuid"

	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// LetterPDF is a letter as its recipient got it.
type LetterPDF struct {
	Request store.Request
	Letter  store.Letter
	PDF     []byte
}

// LetterPDF opens a letter of a request p may see. It holds personal
// data, so the reading is logged first.
func (s *Service) LetterPDF(ctx context.Context, p *Principal, requestID, letterID uuid.UUID) (LetterPDF, error) {
	r, err := s.Request(ctx, p, requestID)
	if err != nil {
		return LetterPDF{}, err
	}
	l, err := s.store.LetterOf(ctx, r.ID, letterID)
	if err != nil {
		return LetterPDF{}, s.storeError(err)
	}
	if l == nil || len(l.PDF) == 0 || r.SubjectID == nil {
		return LetterPDF{}, notFound("no such letter")
	}
	if err := s.store.LogAccess(ctx, store.Access{RequestID: r.ID, Actor: p.Actor, What: "letter:" + l.Kind}); err != nil {
		return LetterPDF{}, s.storeError(err)
	}
	_, key, err := s.intake.OpenSubject(ctx, *r.SubjectID)
	if err != nil {
		return LetterPDF{}, s.storeError(err)
	}
	pdf, err := crypto.Open(key, l.PDF, append(l.ID[:], 'p'))
	if err != nil {
		return LetterPDF{}, err
	}
	return LetterPDF{Request: r, Letter: *l, PDF: pdf}, nil
}
