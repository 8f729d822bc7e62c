package staff

import (
	"encoding/csv"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/web"
)

// maxDashboardMonths bounds the months a dashboard draws.
const maxDashboardMonths = 24

// month is one month's figures of the dashboard.
type month struct {
	label string
	sum   cases.Summary
}

// dashboardPage is the DPO's dashboard (LEGAL.md §6) for a period of
// receipt: the summary for the whole and for each month, and the open
// requests by stage and days left; each chart with its table.
func (d *Door) dashboardPage(c echo.Context) error {
	page := web.Dashboard{Page: staffBase(c, "dashboard.title")}
	from, to := c.QueryParam("from"), c.QueryParam("to")
	ctx, p := c.Request().Context(), actor(c)
	if from == "" && to == "" {
		// The latest of the controllers' todays: the period then holds every
		// request received today anywhere, also in the hour after midnight
		// in Copenhagen, which is still yesterday in UTC.
		todays, err := d.Cases.Todays(ctx, nil)
		if err != nil {
			return err
		}
		today := deadline.Today(d.Cases.Now(), time.UTC)
		for _, t := range todays {
			if t.After(today) {
				today = t
			}
		}
		to = today.Format(time.DateOnly)
		from = time.Date(today.Year(), today.Month()-11, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	}
	page.From, page.To = from, to
	total, err := d.Cases.Summary(ctx, p, from, to)
	var fields cases.FieldErrors
	if errors.As(err, &fields) {
		page.Error = page.T["dashboard.invalid"]
		return d.render(c, http.StatusUnprocessableEntity, "dashboard", page)
	}
	if err != nil {
		return err
	}
	months, err := d.months(c, from, to)
	if err != nil {
		return err
	}
	open, err := d.Cases.OpenBands(ctx, p)
	if err != nil {
		return err
	}
	if c.QueryParam("format") == "csv" {
		return dashboardCSV(c, from, to, total, months, open)
	}
	T := page.T
	tf := total.Total
	page.Total = []web.Field{
		{Label: T["dash.received"], Value: strconv.FormatInt(tf.Received, 10)},
		{Label: T["dash.answered"], Value: strconv.FormatInt(tf.Answered, 10)},
		{Label: T["dash.within"], Value: share(tf.ShareWithinMonth)},
		{Label: T["dash.within3"], Value: share(tf.ShareWithinThreeMonths)},
		{Label: T["dash.median"], Value: days(tf.MedianDaysToReply)},
		{Label: T["dash.p90"], Value: days(tf.P90DaysToReply)},
		{Label: T["dash.extensions"], Value: strconv.FormatInt(tf.Extensions, 10)},
		{Label: T["dash.refusals"], Value: strconv.FormatInt(tf.Refusals, 10)},
		{Label: T["dash.breached"], Value: strconv.FormatInt(tf.Breached, 10)},
		{Label: T["dash.late"], Value: strconv.FormatInt(tf.Late, 10)},
	}
	page.Charts = dashboardCharts(T, total, months, open)
	return d.render(c, http.StatusOK, "dashboard", page)
}

// months are the period's figures month by month (the first and the last
// month cut to the period).
func (d *Door) months(c echo.Context, from, to string) ([]month, error) {
	f, _ := deadline.ParseDate(from)
	t, _ := deadline.ParseDate(to)
	var months []month
	for m := time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(t) && len(months) < maxDashboardMonths; m = m.AddDate(0, 1, 0) {
		start, end := m, m.AddDate(0, 1, -1)
		start, end = maxTime(start, f), minTime(end, t)
		sum, err := d.Cases.Summary(c.Request().Context(), actor(c), start.Format(time.DateOnly), end.Format(time.DateOnly))
		if err != nil {
			return nil, err
		}
		months = append(months, month{label: m.Format("2006-01"), sum: sum})
	}
	return months, nil
}

// dashboardCSV writes the dashboard's figures as CSV.
func dashboardCSV(c echo.Context, from, to string, total cases.Summary, months []month, open []store.Band) error {
	rows := [][]string{{"figure", "key", "value"}}
	for _, m := range months {
		rows = append(rows, []string{"received", m.label, strconv.FormatInt(m.sum.Total.Received, 10)},
			[]string{"answered", m.label, strconv.FormatInt(m.sum.Total.Answered, 10)},
			[]string{"answered_within_month", m.label, strconv.FormatInt(m.sum.Total.AnsweredWithinMonth, 10)},
			[]string{"breached", m.label, strconv.FormatInt(m.sum.Total.Breached, 10)})
	}
	for _, k := range slices.Sorted(maps.Keys(total.RefusalsByGround)) {
		rows = append(rows, []string{"refusals_by_ground", k, strconv.FormatInt(total.RefusalsByGround[k], 10)})
	}
	for _, k := range slices.Sorted(maps.Keys(total.ExtensionsReasons)) {
		rows = append(rows, []string{"extensions_by_reason", k, strconv.FormatInt(total.ExtensionsReasons[k], 10)})
	}
	for _, o := range open {
		rows = append(rows, []string{"open", o.Stage + "/" + o.Band, strconv.FormatInt(o.N, 10)})
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="rightsdesk-%s-%s.csv"`, from, to))
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.WriteAll(rows)
	return w.Error()
}

// dashboardCharts draws the month by month shares and breaches, the open
// requests by stage and by days left, and the refusals and extensions.
func dashboardCharts(T web.Words, total cases.Summary, months []month, open []store.Band) []web.Chart {
	var labels []string
	var within, breached []float64
	for _, m := range months {
		labels = append(labels, m.label)
		v := -1.0 // nothing answered: no share
		if m.sum.Total.ShareWithinMonth != nil {
			v = *m.sum.Total.ShareWithinMonth * 100
		}
		within = append(within, v)
		breached = append(breached, float64(m.sum.Total.Breached))
	}
	charts := []web.Chart{
		web.NewChart("within", T["dash.chart.within"], T["dash.month"], T["dash.share"], labels, within, web.Percent),
		web.NewChart("breaches", T["dash.chart.breaches"], T["dash.month"], T["dash.count"], labels, breached, web.Count)}
	var stageLabels, bandLabels []string
	var stageN, bandN []float64
	byStage, byBand := map[string]int64{}, map[string]int64{}
	for _, o := range open {
		byStage[o.Stage] += o.N
		byBand[o.Band] += o.N
	}
	for _, st := range cases.Stages {
		if n, ok := byStage[st]; ok {
			stageLabels, stageN = append(stageLabels, T["st."+st]), append(stageN, float64(n))
		}
	}
	for _, b := range []string{"overdue", "0-7", "8-14", "15+", "paused"} {
		if n, ok := byBand[b]; ok {
			bandLabels, bandN = append(bandLabels, T["band."+b]), append(bandN, float64(n))
		}
	}
	return append(charts,
		web.NewChart("open-stage", T["dash.chart.openstage"], T["dash.stage"], T["dash.count"], stageLabels, stageN, web.Count),
		web.NewChart("open-days", T["dash.chart.opendays"], T["dash.daysleft"], T["dash.count"], bandLabels, bandN, web.Count),
		countChart("refusals", T["dash.chart.refusals"], T["dash.ground"], T["dash.count"], total.RefusalsByGround, nil),
		countChart("extensions", T["dash.chart.extensions"], T["dash.reason"], T["dash.count"], total.ExtensionsReasons, T))
}

// countChart draws counts by key, largest first.
func countChart(id, title, label, column string, m map[string]int64, T web.Words) web.Chart {
	keys := slices.Sorted(maps.Keys(m))
	sort.SliceStable(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] })
	var labels []string
	var values []float64
	for _, k := range keys {
		l := k
		if t, ok := T["reason."+k]; ok {
			l = t
		}
		labels, values = append(labels, l), append(values, float64(m[k]))
	}
	return web.NewChart(id, title, label, column, labels, values, web.Count)
}

func share(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.0f %%", *v*100)
}

func days(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.0f", *v)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
