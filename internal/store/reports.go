package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Figures are LEGAL.md §6's figures for a set of requests (the JSON names
// are the API's, GET /v1/reports/summary).
type Figures struct {
	Received                  int64    `json:"received"`
	Answered                  int64    `json:"answered"`
	AnsweredWithinMonth       int64    `json:"answered_within_month"`
	AnsweredWithinThreeMonths int64    `json:"answered_within_three_months"`
	ShareWithinMonth          *float64 `json:"share_within_month"`
	ShareWithinThreeMonths    *float64 `json:"share_within_three_months"`
	MedianDaysToReply         *float64 `json:"median_days_to_reply"`
	P90DaysToReply            *float64 `json:"p90_days_to_reply"`
	Extensions                int64    `json:"extensions"`
	Refusals                  int64    `json:"refusals"`
	Breached                  int64    `json:"breached"`
	Late                      int64    `json:"late"`
}

// FigureRow is the figures of all requests (GKind and GChannel 1), of one
// right (GKind 0) or of one channel (GChannel 0).
type FigureRow struct {
	Kind, Channel   *string
	GKind, GChannel int
	Figures
}

// Count is a number of something, by key.
type Count struct {
	Key string
	N   int64
}

// Report is the raw figures of the requests received in a period.
type Report struct {
	Rows []FigureRow
	// Reasons count extensions by reason; Grounds count refusal grounds.
	Reasons, Grounds []Count
}

// Summary reads the figures of the requests of the controllers (all when
// empty) received from one day to another. A reply's day is the
// controller's local day of closing.
func (s *Store) Summary(ctx context.Context, controllers []string, from, to time.Time) (Report, error) {
	db := s.DB.WithContext(ctx)
	inScope := func(q *gorm.DB) *gorm.DB {
		return inControllers(q.Where("r.received_on BETWEEN ? AND ?", from, to), controllers, "r.controller_id")
	}
	base := inScope(db.Table("requests r").Joins("JOIN controllers c ON c.id = r.controller_id").Select(`r.*,
		CASE WHEN r.stage = 'closed' THEN (r.closed_at AT TIME ZONE c.time_zone)::date END AS replied_on,
		EXISTS (SELECT 1 FROM events e WHERE e.request_id = r.id AND e.action = 'deadline.extended') AS extended`))
	var out Report
	err := db.Table("(?) AS x", base).Select(`kind, channel, GROUPING(kind) AS g_kind, GROUPING(channel) AS g_channel,
		COUNT(*) AS received,
		COUNT(replied_on) AS answered,
		COUNT(*) FILTER (WHERE replied_on <= statutory_due_on) AS answered_within_month,
		COUNT(*) FILTER (WHERE replied_on <= (received_on + interval '3 months')::date) AS answered_within_three_months,
		percentile_cont(0.5) WITHIN GROUP (ORDER BY replied_on - received_on) AS median_days_to_reply,
		percentile_cont(0.9) WITHIN GROUP (ORDER BY replied_on - received_on) AS p90_days_to_reply,
		COUNT(*) FILTER (WHERE extended) AS extensions,
		COUNT(*) FILTER (WHERE outcome IN ('refuse', 'partial')) AS refusals,
		COUNT(*) FILTER (WHERE breached) AS breached,
		COUNT(*) FILTER (WHERE late) AS late`).
		Group("GROUPING SETS ((), (kind), (channel))").Scan(&out.Rows).Error
	if err != nil {
		return out, err
	}
	err = inScope(db.Table("events e").Joins("JOIN requests r ON r.id = e.request_id")).
		Where("e.action = 'deadline.extended'").Select("e.data->>'reason' AS key, COUNT(*) AS n").Group("e.data->>'reason'").Scan(&out.Reasons).Error
	if err != nil {
		return out, err
	}
	err = inScope(db.Table("events e JOIN requests r ON r.id = e.request_id CROSS JOIN LATERAL jsonb_array_elements_text(e.data->'grounds') AS g(ground)")).
		Where("e.action = 'decision.made' AND e.data->>'outcome' IN ('refuse', 'partial')").
		Select("g.ground AS key, COUNT(*) AS n").Group("g.ground").Scan(&out.Grounds).Error
	return out, err
}
