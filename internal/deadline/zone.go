package deadline

import (
	"archive/zip"
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"sync"
	"time"
)

// zoneinfo is the IANA time zone database this binary carries (Go's own
// lib/time/zoneinfo.zip). Every date of a request is computed with it, never
// with the host's /usr/share/zoneinfo, so two workers with different system
// tzdata replay the same workflow history alike.
//
//go:embed tzdata/zoneinfo.zip
var zoneinfo []byte

var (
	zonesOnce sync.Once
	zones     map[string]*zip.File
	zonesErr  error

	locMu sync.Mutex
	locs  = map[string]*time.Location{}
)

// LoadLocation returns the time zone called name from the embedded database.
func LoadLocation(name string) (*time.Location, error) {
	if name == "UTC" || name == "" {
		return time.UTC, nil
	}
	locMu.Lock()
	defer locMu.Unlock()
	if l, ok := locs[name]; ok {
		return l, nil
	}
	zonesOnce.Do(func() {
		r, err := zip.NewReader(bytes.NewReader(zoneinfo), int64(len(zoneinfo)))
		if err != nil {
			zonesErr = err
			return
		}
		zones = make(map[string]*zip.File, len(r.File))
		for _, f := range r.File {
			zones[f.Name] = f
		}
	})
	if zonesErr != nil {
		return nil, fmt.Errorf("deadline: time zone database: %w", zonesErr)
	}
	f, ok := zones[name]
	if !ok {
		return nil, fmt.Errorf("deadline: unknown time zone %q", name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	l, err := time.LoadLocationFromTZData(name, data)
	if err != nil {
		return nil, fmt.Errorf("deadline: time zone %q: %w", name, err)
	}
	locs[name] = l
	return l, nil
}

// Today is the calendar day it is at now in loc: the one definition of
// "today" for a controller, used by the workflow, the API's filters and the
// task queue alike.
func Today(now time.Time, loc *time.Location) time.Time {
	return Day(now.In(loc))
}
