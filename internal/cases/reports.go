package cases

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// Figures are LEGAL.md §6's figures for a set of requests.
type Figures = store.Figures

// Summary is the DPO's report for a period of receipt.
type Summary struct {
	From              string             `json:"from"`
	To                string             `json:"to"`
	Total             Figures            `json:"total"`
	ByKind            map[string]Figures `json:"by_kind"`
	ByChannel         map[string]Figures `json:"by_channel"`
	ExtensionsReasons map[string]int64   `json:"extensions_by_reason"`
	RefusalsByGround  map[string]int64   `json:"refusals_by_ground"`
}

// Summary reports on the requests of the controllers p acts for received
// from one day to another (YYYY-MM-DD, both included). Field errors name
// the query parameters from and to.
func (s *Service) Summary(ctx context.Context, p *Principal, fromDay, toDay string) (Summary, error) {
	var errs FieldErrors
	from, err1 := deadline.ParseDate(fromDay)
	to, err2 := deadline.ParseDate(toDay)
	if err1 != nil {
		errs.Add("/query/from", "required: the first day of receipt, YYYY-MM-DD")
	}
	if err2 != nil {
		errs.Add("/query/to", "required: the last day of receipt, YYYY-MM-DD")
	}
	if err1 == nil && err2 == nil && to.Before(from) {
		errs.Add("/query/to", "must not be before from")
	}
	if err := errs.Err(); err != nil {
		return Summary{}, err
	}
	rep, err := s.store.Summary(ctx, p.Controllers, from, to)
	if err != nil {
		return Summary{}, s.storeError(err)
	}
	out := Summary{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), ByKind: map[string]Figures{}, ByChannel: map[string]Figures{},
		ExtensionsReasons: map[string]int64{}, RefusalsByGround: map[string]int64{}}
	for _, r := range rep.Rows {
		f := r.Figures
		if f.Answered > 0 {
			m, t := float64(f.AnsweredWithinMonth)/float64(f.Answered), float64(f.AnsweredWithinThreeMonths)/float64(f.Answered)
			f.ShareWithinMonth, f.ShareWithinThreeMonths = &m, &t
		}
		switch {
		case r.GKind == 1 && r.GChannel == 1:
			out.Total = f
		case r.GKind == 0 && r.Kind != nil:
			out.ByKind[*r.Kind] = f
		case r.GChannel == 0 && r.Channel != nil:
			out.ByChannel[*r.Channel] = f
		}
	}
	for _, r := range rep.Reasons {
		out.ExtensionsReasons[r.Key] = r.N
	}
	for _, g := range rep.Grounds {
		out.RefusalsByGround[g.Key] = g.N
	}
	return out, nil
}

// OpenBands counts the open requests of the controllers p acts for by
// stage and days left, each in its controller's today.
func (s *Service) OpenBands(ctx context.Context, p *Principal) ([]store.Band, error) {
	rows, err := s.store.OpenBands(ctx, p.Controllers, s.now())
	return rows, s.storeError(err)
}

// ReceivedOn reads the days some requests were received.
func (s *Service) ReceivedOn(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]time.Time, error) {
	out, err := s.store.ReceivedOn(ctx, ids)
	return out, s.storeError(err)
}
