package deadline

import (
	"errors"
	"time"
)

// Clock is a request's deadline state through pauses (Art. 12(6), Recital
// 63). While the controller waits for information it needs, the clock
// stops; on the answer each deadline becomes exactly LEGAL.md §2's
//
//	add_months(answered, 1) - (days used before the pause)
//
// (IMY-2022-9442: received 2022-02-09, asked 02-15, answered 04-19, due
// 2022-05-13), never earlier than the deadline in force before the pause
// (month lengths can make the formula shorten it) and nothing later. The
// same rule moves the working target and the extended deadline. Deadlines
// are kept unrolled and rolled when read.
type Clock struct {
	Received time.Time
	// Anchor is the day the clock last started: Received, or the day the
	// last pause ended.
	Anchor time.Time
	// Used counts the days the clock ran before Anchor.
	Used int
	// PausedOn is the day the current pause began; zero while running.
	PausedOn time.Time
	// PausedDays counts every day spent paused, for the record.
	PausedDays int

	DueTarget       time.Time
	StatutoryTarget time.Time
	ExtendedTarget  time.Time
}

// ErrClock is returned for a pause or resume that is out of order.
var ErrClock = errors.New("deadline: pause and resume out of order")

// NewClock starts the clock on the day a request was received.
func NewClock(received time.Time) Clock {
	received = Day(received)
	return Clock{
		Received: received, Anchor: received,
		DueTarget:       dueTarget(received),
		StatutoryTarget: statutoryTarget(received),
		ExtendedTarget:  extendedTarget(received),
	}
}

// Paused reports whether the clock is stopped.
func (c Clock) Paused() bool { return !c.PausedOn.IsZero() }

// Pause stops the clock on day.
func (c Clock) Pause(day time.Time) (Clock, error) {
	day = Day(day)
	if c.Paused() || day.Before(c.Anchor) {
		return c, ErrClock
	}
	c.PausedOn = day
	return c, nil
}

// Resume restarts the clock on day, the day the answer arrived, and moves
// every deadline: add_months(day, 1) - used, never before the deadline in
// force before the pause.
func (c Clock) Resume(day time.Time) (Clock, error) {
	day = Day(day)
	if !c.Paused() || day.Before(c.PausedOn) {
		return c, ErrClock
	}
	used := c.Used + DaysBetween(c.Anchor, c.PausedOn)
	pause := DaysBetween(c.PausedOn, day)
	move := func(old time.Time, target func(time.Time) time.Time) time.Time {
		return latest(AddDays(target(day), -used), old)
	}
	c.DueTarget = move(c.DueTarget, dueTarget)
	c.StatutoryTarget = move(c.StatutoryTarget, statutoryTarget)
	c.ExtendedTarget = move(c.ExtendedTarget, extendedTarget)
	// The working target never passes the legal month.
	c.DueTarget = earliest(c.DueTarget, c.StatutoryTarget)
	c.Anchor, c.Used, c.PausedDays, c.PausedOn = day, used, c.PausedDays+pause, time.Time{}
	return c, nil
}

// Due is the working target.
func (c Clock) Due() time.Time { return c.DueTarget }

// StatutoryDue is the legal deadline, rolled to a working day.
func (c Clock) StatutoryDue(cal *Calendar) time.Time { return Roll(c.StatutoryTarget, cal) }

// ExtendedDue is the deadline if the request is extended, rolled.
func (c Clock) ExtendedDue(cal *Calendar) time.Time { return Roll(c.ExtendedTarget, cal) }

// NoticeHour is the local hour at which a notice for a day fires (policy).
const NoticeHour = 8

// At returns the instant hour:00 in loc on day.
func At(day time.Time, hour int, loc *time.Location) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), hour, 0, 0, 0, loc)
}

// EndOf returns the instant day ends in loc (midnight starting the next day).
func EndOf(day time.Time, loc *time.Location) time.Time {
	next := AddDays(day, 1)
	return time.Date(next.Year(), next.Month(), next.Day(), 0, 0, 0, 0, loc)
}
