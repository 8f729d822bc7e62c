package deadline

import (
	"testing"
)

// BenchmarkDeadlines computes every date of a request, as intake does.
func BenchmarkDeadlines(b *testing.B) {
	cal := MustCalendar(DK)
	r := Date(2026, 3, 5)
	for b.Loop() {
		_ = Due(r)
		_ = StatutoryDue(r, cal)
		_ = ExtendedDue(r, cal)
	}
}

// BenchmarkPauseResume is a pause and a resume with the dates read back.
func BenchmarkPauseResume(b *testing.B) {
	cal := MustCalendar(SE)
	c := NewClock(Date(2022, 2, 9))
	for b.Loop() {
		p, _ := c.Pause(Date(2022, 2, 15))
		r, _ := p.Resume(Date(2022, 4, 19))
		_ = r.StatutoryDue(cal)
	}
}
