//go:build production

package main

import (
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestProductionBuildHasNoDevTooling: the production build (-tags
// production, the Dockerfile's) answers dev and bench with an error that
// says why, and still runs its other commands.
func TestProductionBuildHasNoDevTooling(t *testing.T) {
	for _, cmd := range []string{"dev", "bench"} {
		err := run(context.Background(), []string{cmd}, io.Discard, io.Discard)
		require.ErrorIs(t, err, errNoDevTooling, cmd)
		require.ErrorContains(t, err, cmd+": this rightsdesk is a production build")
	}
	require.NoError(t, run(context.Background(), []string{"keygen"}, io.Discard, io.Discard))
}
