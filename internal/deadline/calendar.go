package deadline

import (
	"fmt"
	"sync"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/aa"
	"github.com/rickar/cal/v2/dk"
	"github.com/rickar/cal/v2/se"
)

// Country is a jurisdiction whose public holidays move deadlines.
type Country string

// The countries rightsdesk knows.
const (
	DK Country = "DK"
	SE Country = "SE"
)

// holidays lists exactly the statutory public holidays of LEGAL.md §2
// (DK helligdagsloven; SE lag (1989:253) om allmänna helgdagar). The days
// people take off that are not public holidays (DK Constitution Day, the
// eves) are left out on purpose: counting them could only make a deadline
// later. Sunday holidays are listed for completeness; Sundays roll anyway.
var holidays = map[Country][]*cal.Holiday{
	DK: {
		dk.Nytaarsdag, dk.Skaertorsdag, dk.Langfredag, aa.Easter, dk.AndenPaaskedag,
		dk.StoreBededag, // abolished from 2024: the library ends it in 2023
		dk.KristiHimmelfartsdag, aa.Pentecost, dk.AndenPinsedag, dk.Juledag, dk.AndenJuledag,
	},
	SE: {
		se.Nyarsdagen, se.TrettondedagJul, se.Langfredagen, aa.Easter, se.AnnandagPask, se.ForstaMaj,
		se.KristiHimmelfardsdag, se.Nationaldagen, aa.Pentecost, se.Midsommardagen, se.AllaHelgonsDag,
		se.Juldagen, se.AnnandagJul,
	},
}

// Calendar tells working days from weekends and public holidays.
type Calendar struct {
	country Country
	mu      sync.Mutex
	years   map[int]map[time.Time]string
}

var (
	calendarsMu sync.Mutex
	calendars   = map[Country]*Calendar{}
)

// CalendarFor returns the holiday calendar of country.
func CalendarFor(country Country) (*Calendar, error) {
	if _, ok := holidays[country]; !ok {
		return nil, fmt.Errorf("deadline: no holiday calendar for country %q (DK or SE)", country)
	}
	calendarsMu.Lock()
	defer calendarsMu.Unlock()
	c, ok := calendars[country]
	if !ok {
		c = &Calendar{country: country, years: map[int]map[time.Time]string{}}
		calendars[country] = c
	}
	return c, nil
}

// MustCalendar is CalendarFor for the countries known at compile time.
func MustCalendar(country Country) *Calendar {
	c, err := CalendarFor(country)
	if err != nil {
		panic(err)
	}
	return c
}

// Holiday returns the name of the public holiday on day d, if it is one.
func (c *Calendar) Holiday(d time.Time) (string, bool) {
	d = Day(d)
	c.mu.Lock()
	defer c.mu.Unlock()
	year, ok := c.years[d.Year()]
	if !ok {
		year = map[time.Time]string{}
		for _, h := range holidays[c.country] {
			actual, _ := h.Calc(d.Year())
			if !actual.IsZero() {
				year[Day(actual)] = h.Name
			}
		}
		c.years[d.Year()] = year
	}
	name, ok := year[d]
	return name, ok
}

// IsWorkingDay reports whether d is neither a weekend day nor a public holiday.
func (c *Calendar) IsWorkingDay(d time.Time) bool {
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	_, holiday := c.Holiday(d)
	return !holiday
}
