// Package deadline is the date arithmetic of a rights request's deadlines
// (LEGAL.md §2): pure functions over calendar days, with the Danish and
// Swedish public holiday calendars. It knows nothing of Temporal.
//
// A date is a time.Time at midnight UTC; Day makes one from any time by
// taking its year, month and day in its own location.
package deadline

import (
	"time"
)

// Day returns the calendar day of t (in t's location) as midnight UTC.
func Day(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Date builds a date.
func Date(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
}

// ParseDate parses an ISO date (2026-01-31); impossible dates such as
// 2025-02-30 are errors.
func ParseDate(s string) (time.Time, error) {
	return time.Parse(time.DateOnly, s)
}

// AddDays adds n calendar days.
func AddDays(d time.Time, n int) time.Time {
	return Day(d).AddDate(0, 0, n)
}

// DaysBetween counts calendar days from a to b (negative if b is before a).
func DaysBetween(a, b time.Time) int {
	return int(Day(b).Sub(Day(a)).Hours() / 24)
}

// AddMonths is the same day number n months later; if that month lacks the
// day, its last day (Reg. 1182/71 art. 3(2)(c)).
func AddMonths(d time.Time, n int) time.Time {
	d = Day(d)
	first := time.Date(d.Year(), d.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	day := d.Day()
	if day > last {
		day = last
	}
	return time.Date(first.Year(), first.Month(), day, 0, 0, 0, 0, time.UTC)
}

// Roll moves d forward past weekends and the calendar's public holidays
// (Reg. 1182/71 art. 3(4)).
func Roll(d time.Time, cal *Calendar) time.Time {
	d = Day(d)
	for !cal.IsWorkingDay(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// dueTarget is the working target before any pause:
// min(received + 30 days, add_months(received, 1)).
func dueTarget(received time.Time) time.Time {
	return earliest(AddDays(received, 30), AddMonths(received, 1))
}

// statutoryTarget is the legal month before rolling.
func statutoryTarget(received time.Time) time.Time { return AddMonths(received, 1) }

// extendedTarget is the extended deadline before rolling: two further months
// after the first, never more than three months in all.
func extendedTarget(received time.Time) time.Time {
	return earliest(AddMonths(received, 3), AddMonths(AddMonths(received, 1), 2))
}

// StatutoryDue is the legal deadline: roll(add_months(received, 1)).
func StatutoryDue(received time.Time, cal *Calendar) time.Time {
	return Roll(statutoryTarget(received), cal)
}

// Due is the working target caseworkers work to: the 30-day target, never
// later than the calendar month (policy; it is not rolled).
func Due(received time.Time) time.Time { return dueTarget(received) }

// ExtendedDue is the deadline after an Art. 12(3) extension.
func ExtendedDue(received time.Time, cal *Calendar) time.Time {
	return Roll(extendedTarget(received), cal)
}
