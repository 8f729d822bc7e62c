package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/rightsdesk/rightsdesk/internal/deadline"
)

// Figures are LEGAL.md §6's figures for a set of requests.
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

type figureRow struct {
	Kind, Channel   *string
	GKind, GChannel int
	Figures
}

func (s *Server) reportSummary(c echo.Context) error {
	p := principal(c)
	var errs fieldErrors
	for k := range c.QueryParams() {
		if k != "from" && k != "to" {
			errs.add("/query/"+k, "unknown parameter")
		}
	}
	from, err1 := deadline.ParseDate(c.QueryParam("from"))
	to, err2 := deadline.ParseDate(c.QueryParam("to"))
	if err1 != nil {
		errs.add("/query/from", "required: the first day of receipt, YYYY-MM-DD")
	}
	if err2 != nil {
		errs.add("/query/to", "required: the last day of receipt, YYYY-MM-DD")
	}
	if err1 == nil && err2 == nil && to.Before(from) {
		errs.add("/query/to", "must not be before from")
	}
	if err := errs.problem(); err != nil {
		return err
	}
	db := s.store.DB.WithContext(c.Request().Context())
	inScope := func(q *gorm.DB) *gorm.DB {
		q = q.Where("r.received_on BETWEEN ? AND ?", from, to)
		if len(p.Controllers) > 0 {
			q = q.Where("r.controller_id IN ?", p.Controllers)
		}
		return q
	}
	// A reply's day is the controller's local day of closing.
	base := inScope(db.Table("requests r").Joins("JOIN controllers c ON c.id = r.controller_id").Select(`r.*,
		CASE WHEN r.stage = 'closed' THEN (r.closed_at AT TIME ZONE c.time_zone)::date END AS replied_on,
		EXISTS (SELECT 1 FROM events e WHERE e.request_id = r.id AND e.action = 'deadline.extended') AS extended`))
	var rows []figureRow
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
		Group("GROUPING SETS ((), (kind), (channel))").Scan(&rows).Error
	if err != nil {
		return s.storeError(err)
	}
	out := Summary{From: dateOf(from), To: dateOf(to), ByKind: map[string]Figures{}, ByChannel: map[string]Figures{},
		ExtensionsReasons: map[string]int64{}, RefusalsByGround: map[string]int64{}}
	for _, r := range rows {
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
	type count struct {
		Key string
		N   int64
	}
	var reasons, grounds []count
	err = inScope(db.Table("events e").Joins("JOIN requests r ON r.id = e.request_id")).
		Where("e.action = 'deadline.extended'").Select("e.data->>'reason' AS key, COUNT(*) AS n").Group("e.data->>'reason'").Scan(&reasons).Error
	if err != nil {
		return s.storeError(err)
	}
	err = inScope(db.Table("events e JOIN requests r ON r.id = e.request_id CROSS JOIN LATERAL jsonb_array_elements_text(e.data->'grounds') AS g(ground)")).
		Where("e.action = 'decision.made' AND e.data->>'outcome' IN ('refuse', 'partial')").
		Select("g.ground AS key, COUNT(*) AS n").Group("g.ground").Scan(&grounds).Error
	if err != nil {
		return s.storeError(err)
	}
	for _, r := range reasons {
		out.ExtensionsReasons[r.Key] = r.N
	}
	for _, g := range grounds {
		out.RefusalsByGround[g.Key] = g.N
	}
	return c.JSON(http.StatusOK, out)
}
