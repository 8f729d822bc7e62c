// Package identifiers parses and checks the national identity numbers of
// LEGAL.md §3: the Danish CPR number and the Swedish personnummer and
// samordningsnummer. It is pure and imports nothing of ours.
package identifiers

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind of identifier.
const (
	KindCPR               = "cpr"
	KindPersonnummer      = "personnummer"
	KindSamordningsnummer = "samordningsnummer"
)

// ID is a parsed national identity number.
type ID struct {
	Kind string
	// Normalized is the canonical form: CPR DDMMYYSSSS; personnummer and
	// samordningsnummer YYYYMMDDNNNC (12 digits, with century).
	Normalized string
	BirthDate  time.Time
	// Warning is set for a number that is valid but fails a check that is
	// no validity rule (the CPR modulus-11 check), for the caseworker.
	Warning string
}

// Errors returned by the parsers.
var (
	ErrFormat = errors.New("wrong format")
	ErrDate   = errors.New("the date does not exist")
	ErrFuture = errors.New("the birth date lies in the future")
	ErrCheck  = errors.New("the check digit is wrong")
)

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

func date(year, month, day int) (time.Time, bool) {
	d := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	return d, d.Year() == year && int(d.Month()) == month && d.Day() == day
}

// ParseCPR parses a Danish CPR number, DDMMYY-SSSS (the dash optional), as
// of today. The century follows from the seventh digit; the modulus-11 check
// only warns, since numbers issued since 2007 may fail it.
func ParseCPR(s string, today time.Time) (ID, error) {
	s = strings.TrimSpace(s)
	if len(s) == 11 && s[6] == '-' {
		s = s[:6] + s[7:]
	}
	if len(s) != 10 || !digits(s) {
		return ID{}, fmt.Errorf("CPR number: %w: want DDMMYY-SSSS", ErrFormat)
	}
	dd, mm, yy, d7 := atoi(s[0:2]), atoi(s[2:4]), atoi(s[4:6]), int(s[6]-'0')
	var century int
	switch {
	case d7 <= 3:
		century = 1900
	case d7 == 4 || d7 == 9:
		century = 1900
		if yy <= 36 {
			century = 2000
		}
	default: // 5-8
		switch {
		case yy <= 36:
			century = 2000
		case yy <= 57:
			return ID{}, fmt.Errorf("CPR number: %w: digit 7 is %d, which no one born in %02d has", ErrFormat, d7, yy)
		default:
			century = 1800
		}
	}
	birth, ok := date(century+yy, mm, dd)
	if !ok {
		return ID{}, fmt.Errorf("CPR number: %w", ErrDate)
	}
	if birth.After(today) {
		return ID{}, fmt.Errorf("CPR number: %w", ErrFuture)
	}
	id := ID{Kind: KindCPR, Normalized: s, BirthDate: birth}
	weights := [10]int{4, 3, 2, 7, 6, 5, 4, 3, 2, 1}
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	if sum%11 != 0 {
		id.Warning = "the CPR number fails the modulus-11 check; numbers issued since 2007 may, so check it against the case"
	}
	return id, nil
}

// ParsePersonnummer parses a Swedish personnummer or samordningsnummer:
// YYMMDD-NNNC, YYMMDD+NNNC (from the year the person turns 100), or twelve
// digits with the century (YYYYMMDD-NNNC, the dash optional), as of today.
func ParsePersonnummer(s string, today time.Time) (ID, error) {
	s = strings.TrimSpace(s)
	var full string // YYYYMMDDNNNC
	switch {
	case len(s) == 13 && s[8] == '-' && digits(s[:8]+s[9:]):
		full = s[:8] + s[9:]
	case len(s) == 12 && digits(s):
		full = s
	case len(s) == 11 && (s[6] == '-' || s[6] == '+') && digits(s[:6]+s[7:]):
		short := s[:6] + s[7:]
		// The latest century in which the date is not in the future; a
		// plus sign means a hundred years more.
		yy := atoi(short[0:2])
		year := today.Year()/100*100 + yy
		if yy > today.Year()%100 {
			year -= 100
		}
		if s[6] == '+' {
			year -= 100
		}
		full = fmt.Sprintf("%04d", year) + short[2:]
		if s[6] == '-' {
			if birth, ok := date(year, atoi(short[2:4]), atoi(short[4:6])%60); ok && birth.After(today) {
				full = fmt.Sprintf("%04d", year-100) + short[2:]
			}
		}
	case len(s) == 10 && digits(s):
		return ParsePersonnummer(s[:6]+"-"+s[6:], today)
	default:
		return ID{}, fmt.Errorf("personnummer: %w: want YYMMDD-NNNC or YYYYMMDD-NNNC", ErrFormat)
	}
	kind := KindPersonnummer
	year, month, day := atoi(full[0:4]), atoi(full[4:6]), atoi(full[6:8])
	if day > 60 {
		kind, day = KindSamordningsnummer, day-60
	}
	birth, ok := date(year, month, day)
	if !ok {
		return ID{}, fmt.Errorf("%s: %w", kind, ErrDate)
	}
	if birth.After(today) {
		return ID{}, fmt.Errorf("%s: %w", kind, ErrFuture)
	}
	if !luhn(full[2:]) {
		return ID{}, fmt.Errorf("%s: %w", kind, ErrCheck)
	}
	return ID{Kind: kind, Normalized: full, BirthDate: birth}, nil
}

// luhn checks the Luhn digit of a string of digits.
func luhn(s string) bool {
	sum := 0
	for i := range len(s) {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}
