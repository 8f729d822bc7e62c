//go:build production

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// errNoDevTooling answers `dev` and `bench` in the production build (the
// Dockerfile's, built with -tags production). That build leaves out the
// dev tooling (internal/devtools: the embedded Temporal server and its Web
// UI, the private PostgreSQL, the mail catcher, the demo systems), so that
// the image carries none of it; a source checkout runs both commands with
// go run ./cmd/rightsdesk.
var errNoDevTooling = errors.New("this rightsdesk is a production build (-tags production) and has no dev tooling: run it from a source checkout (go run ./cmd/rightsdesk dev)")

// runDev answers that this build has no dev tooling.
func runDev(_ context.Context, _ []string, _, _ io.Writer) error {
	return fmt.Errorf("dev: %w", errNoDevTooling)
}

// runBench answers that this build has no dev tooling.
func runBench(_ context.Context, _ []string, _, _ io.Writer) error {
	return fmt.Errorf("bench: %w", errNoDevTooling)
}
