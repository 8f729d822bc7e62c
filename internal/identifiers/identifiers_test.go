package identifiers

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var today = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func TestCPR(t *testing.T) {
	for _, tc := range []struct {
		in, birth string
		warn      bool
		err       error
	}{
		{"070761-4285", "1961-07-07", false, nil}, // digit 7 = 4, YY 61: 1900s; passes mod 11
		{"0707614285", "1961-07-07", false, nil},
		{"010100-4001", "2000-01-01", true, nil}, // 4 and YY 00-36: 2000s
		{"010137-4001", "1937-01-01", true, nil}, // 4 and YY 37-99: 1900s
		{"010136-9001", "2036-01-01", false, ErrFuture},
		{"010120-9001", "2020-01-01", true, nil}, // 9 and YY 00-36: 2000s
		{"010120-0001", "1920-01-01", true, nil}, // 0-3: 1900s
		{"010120-5001", "2020-01-01", true, nil}, // 5-8 and YY 00-36: 2000s
		{"010150-5001", "", false, ErrFormat},    // 5-8 and YY 37-57: invalid
		{"010160-8001", "1860-01-01", true, nil}, // 5-8 and YY 58-99: 1800s
		{"290224-4001", "2024-02-29", true, nil}, // leap day
		{"290223-4001", "", false, ErrDate},      // no 2023-02-29
		{"320101-1234", "", false, ErrDate},      // day 32
		{"011326-1234", "", false, ErrDate},      // month 13
		{"010127-4001", "", false, ErrFuture},    // 2027-01-01
		{"0101-1234", "", false, ErrFormat},
		{"01012612345", "", false, ErrFormat},
		{"0101a6-1234", "", false, ErrFormat},
	} {
		t.Run(tc.in, func(t *testing.T) {
			id, err := ParseCPR(tc.in, today)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, KindCPR, id.Kind)
			require.Equal(t, tc.birth, id.BirthDate.Format(time.DateOnly))
			require.Equal(t, tc.warn, id.Warning != "", "warning: %q", id.Warning)
			require.Len(t, id.Normalized, 10)
		})
	}
}

func TestPersonnummer(t *testing.T) {
	for _, tc := range []struct {
		in, kind, normalized string
		err                  error
	}{
		{"811228-9874", KindPersonnummer, "198112289874", nil},
		{"8112289874", KindPersonnummer, "198112289874", nil},
		{"19811228-9874", KindPersonnummer, "198112289874", nil},
		{"198112289874", KindPersonnummer, "198112289874", nil},
		{"811228+9874", KindPersonnummer, "188112289874", nil}, // turned 100
		{"811228-9875", "", "", ErrCheck},
		{"701063-2391", KindSamordningsnummer, "197010632391", nil}, // day 3 + 60
		{"811328-9873", "", "", ErrDate},
		{"20991228-9874", "", "", ErrFuture},
		{"811228/9874", "", "", ErrFormat},
		{"", "", "", ErrFormat},
	} {
		t.Run(tc.in, func(t *testing.T) {
			id, err := ParsePersonnummer(tc.in, today)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.kind, id.Kind)
			require.Equal(t, tc.normalized, id.Normalized)
		})
	}
	// A ten-digit number of this year's later days belongs to the last century.
	id, err := ParsePersonnummer("261224-0008", today)
	require.NoError(t, err)
	require.Equal(t, "192612240008", id.Normalized)
}

func FuzzCPR(f *testing.F) {
	for _, s := range []string{"070761-4285", "0101004001", "290223-4001", "010150-5001", "", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseCPR(s, today)
		if err != nil {
			return
		}
		// Whatever parses is a real past date, and parses again to itself.
		require.False(t, id.BirthDate.After(today))
		again, err := ParseCPR(id.Normalized, today)
		require.NoError(t, err)
		require.Equal(t, id, again)
	})
}

func FuzzPersonnummer(f *testing.F) {
	for _, s := range []string{"811228-9874", "19811228-9874", "811228+9874", "701063-2391", "", "+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParsePersonnummer(s, today)
		if err != nil {
			return
		}
		require.False(t, id.BirthDate.After(today))
		require.True(t, luhn(id.Normalized[2:]))
		again, err := ParsePersonnummer(id.Normalized, today)
		require.NoError(t, err)
		require.Equal(t, id, again)
	})
}
