package deadline

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func d(s string) time.Time {
	t, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestLegalExamples is LEGAL.md §2's worked-example table, for both calendars.
func TestLegalExamples(t *testing.T) {
	for _, tc := range []struct{ received, addMonth, plus30, due, statutory string }{
		{"2025-01-31", "2025-02-28", "2025-03-02", "2025-02-28", "2025-02-28"},
		{"2024-01-31", "2024-02-29", "2024-03-01", "2024-02-29", "2024-02-29"},
		{"2026-01-31", "2026-02-28", "2026-03-02", "2026-02-28", "2026-03-02"},
		{"2025-11-25", "2025-12-25", "2025-12-25", "2025-12-25", "2025-12-29"},
		{"2026-03-05", "2026-04-05", "2026-04-04", "2026-04-04", "2026-04-07"},
	} {
		for _, country := range []Country{DK, SE} {
			t.Run(tc.received+"/"+string(country), func(t *testing.T) {
				cal := MustCalendar(country)
				r := d(tc.received)
				require.Equal(t, d(tc.addMonth), AddMonths(r, 1))
				require.Equal(t, d(tc.plus30), AddDays(r, 30))
				require.Equal(t, d(tc.due), Due(r))
				require.Equal(t, d(tc.statutory), StatutoryDue(r, cal))
				c := NewClock(r)
				require.Equal(t, d(tc.due), c.Due())
				require.Equal(t, d(tc.statutory), c.StatutoryDue(cal))
			})
		}
	}
}

func TestAddMonths(t *testing.T) {
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-01-15", 1, "2026-02-15"},
		{"2026-01-31", 1, "2026-02-28"},
		{"2026-03-31", 1, "2026-04-30"},
		{"2026-12-31", 2, "2027-02-28"},
		{"2027-11-30", 3, "2028-02-29"},
		{"2026-05-31", 12, "2027-05-31"},
	} {
		require.Equal(t, d(tc.want), AddMonths(d(tc.from), tc.n), "%s + %d months", tc.from, tc.n)
	}
}

func TestExtendedDue(t *testing.T) {
	cal := MustCalendar(DK)
	// 2026-01-31: month 2026-02-28, +2 months 2026-04-28; 3 months 2026-04-30 → 04-28 (Tue).
	require.Equal(t, d("2026-04-28"), ExtendedDue(d("2026-01-31"), cal))
	// 2025-11-30: month 2025-12-30, +2 = 2026-02-28 (Sat), 3 months 2026-02-28 → rolls to 03-02.
	require.Equal(t, d("2026-03-02"), ExtendedDue(d("2025-11-30"), cal))
	// 2026-01-05: 2026-04-05 is Easter Sunday, Monday 04-06 is a holiday → 04-07.
	require.Equal(t, d("2026-04-07"), ExtendedDue(d("2026-01-05"), cal))
}

// TestHolidays checks exactly the statutory holidays of LEGAL.md §2: the
// days many people take off that are not public holidays must not count.
func TestHolidays(t *testing.T) {
	dk, se := MustCalendar(DK), MustCalendar(SE)
	for _, day := range []string{"2026-01-01", "2026-04-02", "2026-04-03", "2026-04-05", "2026-04-06",
		"2026-05-14", "2026-05-24", "2026-05-25", "2026-12-25", "2026-12-26", "2023-05-05"} {
		_, ok := dk.Holiday(d(day))
		require.True(t, ok, "DK holiday %s", day)
	}
	for _, day := range []string{"2026-06-05", "2026-12-24", "2026-12-31",
		"2024-04-26" /* Great Prayer Day, abolished from 2024 */} {
		_, ok := dk.Holiday(d(day))
		require.False(t, ok, "not a DK public holiday: %s", day)
	}
	for _, day := range []string{"2026-01-01", "2026-01-06", "2026-04-03", "2026-04-05", "2026-04-06",
		"2026-05-01", "2026-05-14", "2026-06-06", "2026-05-24", "2026-06-20", "2026-10-31", "2026-12-25", "2026-12-26"} {
		_, ok := se.Holiday(d(day))
		require.True(t, ok, "SE holiday %s", day)
	}
	for _, day := range []string{"2026-06-19" /* Midsummer Eve */, "2026-12-24", "2026-12-31", "2026-04-02"} {
		_, ok := se.Holiday(d(day))
		require.False(t, ok, "not an SE public holiday: %s", day)
	}
	// Where the calendars differ, so do deadlines: 2026-05-01 is a Friday,
	// a holiday in SE only.
	require.Equal(t, d("2026-05-01"), StatutoryDue(d("2026-04-01"), dk))
	require.Equal(t, d("2026-05-04"), StatutoryDue(d("2026-04-01"), se))
	_, err := CalendarFor("NO")
	require.Error(t, err)
}

// TestPauseIMY reproduces IMY-2022-9442: received 2022-02-09, information
// asked 02-15, answered 04-19, due 2022-05-13.
func TestPauseIMY(t *testing.T) {
	cal := MustCalendar(SE)
	c := NewClock(d("2022-02-09"))
	require.Equal(t, d("2022-03-09"), c.StatutoryDue(cal))
	c, err := c.Pause(d("2022-02-15"))
	require.NoError(t, err)
	require.True(t, c.Paused())
	c, err = c.Resume(d("2022-04-19"))
	require.NoError(t, err)
	require.False(t, c.Paused())
	require.Equal(t, d("2022-05-13"), c.StatutoryDue(cal))
	require.Equal(t, d("2022-05-13"), c.Due())
	require.Equal(t, 63, c.PausedDays)
	require.Equal(t, 6, c.Used)
}

func TestPauseOrder(t *testing.T) {
	c := NewClock(d("2026-03-02"))
	_, err := c.Resume(d("2026-03-05"))
	require.ErrorIs(t, err, ErrClock, "resume without pause")
	_, err = c.Pause(d("2026-03-01"))
	require.ErrorIs(t, err, ErrClock, "pause before receipt")
	c, err = c.Pause(d("2026-03-04"))
	require.NoError(t, err)
	_, err = c.Pause(d("2026-03-05"))
	require.ErrorIs(t, err, ErrClock, "pause twice")
	_, err = c.Resume(d("2026-03-03"))
	require.ErrorIs(t, err, ErrClock, "resume before pause")
}

// TestPauseNeverShortens is LEGAL.md §2's own example: received 2026-01-28,
// asked 01-29, answered 01-30. The formula gives 02-27, earlier than the
// deadline in force before the pause (02-28), which then stands.
func TestPauseNeverShortens(t *testing.T) {
	c := NewClock(d("2026-01-28"))
	c, _ = c.Pause(d("2026-01-29"))
	c, err := c.Resume(d("2026-01-30"))
	require.NoError(t, err)
	require.Equal(t, d("2026-02-28"), c.StatutoryTarget)
}

// TestPauseAddsNothingLater: received 2026-01-01, paused the next day,
// answered 2026-02-01. The formula gives add_months(02-01, 1) - 1 = 02-28,
// and that is the deadline: adding the 30 paused days to the old deadline
// (03-03) would hide a breach IMY's arithmetic finds.
func TestPauseAddsNothingLater(t *testing.T) {
	c := NewClock(d("2026-01-01"))
	c, _ = c.Pause(d("2026-01-02"))
	r, err := c.Resume(d("2026-02-01"))
	require.NoError(t, err)
	require.Equal(t, d("2026-02-28"), r.StatutoryTarget)
}

func TestEmbeddedTimeZones(t *testing.T) {
	cph, err := LoadLocation("Europe/Copenhagen")
	require.NoError(t, err)
	require.Equal(t, "Europe/Copenhagen", cph.String())
	// 23:30 UTC on 31 March is already 1 April in Copenhagen (summer time).
	require.Equal(t, d("2026-04-01"), Today(time.Date(2026, 3, 31, 23, 30, 0, 0, time.UTC), cph))
	_, err = LoadLocation("Mars/Olympus_Mons")
	require.Error(t, err)
}

func TestNoticeInstants(t *testing.T) {
	cph, err := time.LoadLocation("Europe/Copenhagen")
	require.NoError(t, err)
	// Summer time: 08:00 in Copenhagen is 06:00 UTC; winter time 07:00 UTC.
	require.Equal(t, time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC), At(d("2026-06-01"), NoticeHour, cph).UTC())
	require.Equal(t, time.Date(2026, 1, 5, 7, 0, 0, 0, time.UTC), At(d("2026-01-05"), NoticeHour, cph).UTC())
	require.Equal(t, time.Date(2026, 3, 2, 23, 0, 0, 0, time.UTC), EndOf(d("2026-03-02"), cph).UTC())
}

// FuzzDeadlines checks the invariants for every received date and pause.
func FuzzDeadlines(f *testing.F) {
	for _, seed := range [][3]uint16{{0, 0, 0}, {365 * 4, 6, 63}, {31, 1, 30}, {3000, 29, 90}} {
		f.Add(seed[0], seed[1], seed[2], true)
	}
	base := d("2020-01-01")
	f.Fuzz(func(t *testing.T, offset, pauseAfter, pauseFor uint16, dk bool) {
		cal := MustCalendar(SE)
		if dk {
			cal = MustCalendar(DK)
		}
		received := AddDays(base, int(offset%(365*20)))
		c := NewClock(received)
		statutory, due, extended := c.StatutoryDue(cal), c.Due(), c.ExtendedDue(cal)
		require.False(t, due.After(statutory), "due <= statutory_due")
		require.True(t, cal.IsWorkingDay(statutory), "statutory_due is a working day")
		require.False(t, statutory.Before(AddMonths(received, 1)), "never before the month")
		require.LessOrEqual(t, DaysBetween(AddMonths(received, 1), statutory), 6, "rolling is short")
		require.False(t, extended.Before(statutory), "extended_due >= statutory_due")
		require.False(t, extended.After(Roll(AddMonths(received, 3), cal)), "never more than three months")
		require.True(t, cal.IsWorkingDay(extended))

		pausedOn := AddDays(received, int(pauseAfter%60))
		answered := AddDays(pausedOn, int(pauseFor%120))
		p, err := c.Pause(pausedOn)
		require.NoError(t, err)
		r, err := p.Resume(answered)
		require.NoError(t, err)
		// Exactly LEGAL.md §2: add_months(answered, 1) - (paused - received),
		// never earlier than the deadline in force before the pause.
		used := DaysBetween(received, pausedOn)
		require.Equal(t, latest(AddDays(AddMonths(answered, 1), -used), c.StatutoryTarget), r.StatutoryTarget)
		require.Equal(t, latest(AddDays(extendedTarget(answered), -used), c.ExtendedTarget), r.ExtendedTarget)
		require.False(t, r.Due().Before(c.Due()), "a pause never shortens the working target")
		require.False(t, r.Due().After(r.StatutoryDue(cal)), "due <= statutory_due after a pause")
		require.False(t, r.ExtendedDue(cal).Before(r.StatutoryDue(cal)))
		require.True(t, cal.IsWorkingDay(r.StatutoryDue(cal)))
	})
}

// FuzzParseDate: a date from outside is either refused or a real day that
// writes back as it was given.
func FuzzParseDate(f *testing.F) {
	for _, seed := range []string{"2026-01-31", "2026-02-29", "2024-02-29", "0000-01-01", "2026-1-1", "2026-01-31T00:00:00Z", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		if got := d.Format(time.DateOnly); got != s {
			t.Fatalf("%q parsed as %s", s, got)
		}
		if !d.Equal(Day(d)) {
			t.Fatalf("%q is not midnight UTC: %s", s, d)
		}
	})
}
