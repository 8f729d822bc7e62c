package httpx

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCSRFTokens: a token is accepted only for what it is bound to, only
// from this server's key, for a day and not from the future.
func TestCSRFTokens(t *testing.T) {
	x := &CSRF{Key: []byte("0123456789abcdef0123456789abcdef")}
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	tok := x.token("browser:abc", now)
	require.True(t, x.valid("browser:abc", tok, now))
	require.True(t, x.valid("browser:abc", tok, now.Add(23*time.Hour)))
	require.False(t, x.valid("browser:abc", tok, now.Add(25*time.Hour)), "a day old")
	require.False(t, x.valid("browser:abc", tok, now.Add(-2*time.Minute)), "made in the future")
	require.False(t, x.valid("browser:other", tok, now), "another browser's")
	require.False(t, x.valid("session:abc", tok, now), "from before a sign-in")
	other := &CSRF{Key: []byte("another key, another server......")}
	require.False(t, other.valid("browser:abc", tok, now), "another key's")
	for _, bad := range []string{"", ".", "zzzzzzzzzzzzzzz.x", tok + "x", "1." + tok} {
		require.False(t, x.valid("browser:abc", bad, now), "%q", bad)
	}
}
