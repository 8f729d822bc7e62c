package workflows

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// module is this module's import path.
const module = "github.com/rightsdesk/rightsdesk/"

// linkedAllowed are this module's packages the workflows may link: pure,
// no I/O.
var linkedAllowed = map[string]bool{
	module + "workflows":         true,
	module + "internal/rights":   true,
	module + "internal/deadline": true,
	module + "internal/policy":   true,
}

// forbiddenLinks are the libraries of the database, mail and PDF.
var forbiddenLinks = []string{"gorm.io/", "github.com/jackc/pgx", "github.com/wneessen/go-mail", "github.com/signintech/gopdf"}

// TestWorkflowsLinkNoIO holds the workflows to what `go list -deps
// ./workflows` names (the check .ci/run makes too): no database, mail or PDF
// library, none of this module's packages but the pure ones, and none of
// those importing net/http. The Temporal SDK itself links net/http (gRPC).
func TestWorkflowsLinkNoIO(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}} {{join .Imports " "}}`, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := fields[0]
		for _, bad := range forbiddenLinks {
			require.False(t, strings.HasPrefix(pkg, bad), "the workflows link %s", pkg)
		}
		if !strings.HasPrefix(pkg, module) {
			continue
		}
		require.True(t, linkedAllowed[pkg], "the workflows link %s, which is not one of the pure packages", pkg)
		require.NotContains(t, fields[1:], "net/http", "%s imports net/http", pkg)
	}
}
