package rightsdesk_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// TestComposeFile loads docker-compose.yml with the Compose specification's
// own parser (no Docker engine runs here) and checks the topology.
func TestComposeFile(t *testing.T) {
	ctx := context.Background()
	details, err := loader.LoadConfigFiles(ctx, []string{"docker-compose.yml"}, ".")
	require.NoError(t, err)
	details.Environment = types.Mapping{"RIGHTSDESK_MASTER_KEYS": "k1:x", "RIGHTSDESK_BLIND_INDEX_KEY": "x", "RIGHTSDESK_API_TOKENS": "a:admin:0123456789abcdef"}
	project, err := loader.LoadWithContext(ctx, *details, func(o *loader.Options) {
		o.SetProjectName("rightsdesk", true)
	})
	require.NoError(t, err)

	for _, name := range []string{"postgres", "temporal", "temporal-setup", "temporal-ui", "migrate", "api", "worker", "mail"} {
		_, err := project.GetService(name)
		require.NoError(t, err, "service %s", name)
	}
	cmd := func(name string) []string {
		s, err := project.GetService(name)
		require.NoError(t, err)
		return s.Command
	}
	require.Equal(t, []string{"migrate", "up"}, cmd("migrate"))
	require.Equal(t, []string{"serve"}, cmd("api"))
	require.Equal(t, []string{"worker"}, cmd("worker"))

	dep := func(service, on, condition string) {
		s, err := project.GetService(service)
		require.NoError(t, err)
		d, ok := s.DependsOn[on]
		require.True(t, ok, "%s must depend on %s", service, on)
		require.Equal(t, condition, d.Condition, "%s on %s", service, on)
	}
	dep("temporal", "postgres", types.ServiceConditionHealthy)
	dep("migrate", "postgres", types.ServiceConditionHealthy)
	for _, s := range []string{"api", "worker"} {
		dep(s, "migrate", types.ServiceConditionCompletedSuccessfully)
		dep(s, "temporal-setup", types.ServiceConditionCompletedSuccessfully)
	}

	// The rightsdesk services are built from the Dockerfile and configured
	// only through variables the binary knows.
	known := map[string]bool{}
	for _, f := range config.Fields() {
		known[f.Env] = true
	}
	// Without the keys, compose refuses to start rather than run without encryption.
	bare, err := loader.LoadConfigFiles(ctx, []string{"docker-compose.yml"}, ".")
	require.NoError(t, err)
	bare.Environment = types.Mapping{}
	_, err = loader.LoadWithContext(ctx, *bare, func(o *loader.Options) { o.SetProjectName("rightsdesk", true) })
	require.ErrorContains(t, err, "RIGHTSDESK_MASTER_KEYS")
	// Nor does it start with tokens anyone could guess: there are no defaults.
	noTokens, err := loader.LoadConfigFiles(ctx, []string{"docker-compose.yml"}, ".")
	require.NoError(t, err)
	noTokens.Environment = types.Mapping{"RIGHTSDESK_MASTER_KEYS": "k1:x", "RIGHTSDESK_BLIND_INDEX_KEY": "x"}
	_, err = loader.LoadWithContext(ctx, *noTokens, func(o *loader.Options) { o.SetProjectName("rightsdesk", true) })
	require.ErrorContains(t, err, "RIGHTSDESK_API_TOKENS")
	// Temporal, its UI and the mail catcher have no login here: published
	// on this host's loopback at most.
	for _, name := range []string{"temporal", "temporal-ui", "mail", "postgres"} {
		s, _ := project.GetService(name)
		for _, p := range s.Ports {
			require.Equal(t, "127.0.0.1", p.HostIP, "%s publishes port %s beyond this host", name, p.Published)
		}
	}
	for _, name := range []string{"migrate", "api", "worker"} {
		s, _ := project.GetService(name)
		require.NotNil(t, s.Build, "%s is built from the Dockerfile", name)
		for k := range s.Environment {
			require.True(t, known[k], "%s sets %s, which rightsdesk does not read", name, k)
		}
		require.NotEmpty(t, s.Environment["DATABASE_URL"])
		require.Equal(t, "temporal:7233", *s.Environment["TEMPORAL_ADDRESS"])
	}

	// Every search attribute the workflows use is registered.
	setup, _ := project.GetService("temporal-setup")
	script := strings.Join(setup.Command, " ")
	for name := range workflows.SearchAttributes() {
		require.Contains(t, script, name+":", "temporal-setup must register %s", name)
	}
	_, err = os.Stat("Dockerfile")
	require.NoError(t, err)
}

// TestReadmeConfiguration keeps the README's configuration table true: every
// variable the binary reads is documented, and the two commands are there.
func TestReadmeConfiguration(t *testing.T) {
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	readme := string(b)
	for _, f := range config.Fields() {
		row := regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(f.Env) + "` \\| ([^|]+) \\|")
		m := row.FindStringSubmatch(readme)
		require.NotNil(t, m, "README.md lacks a configuration row for %s", f.Env)
		want := "(none)"
		if f.Default != "" {
			want = "`" + f.Default + "`"
		}
		require.Equal(t, want, strings.TrimSpace(m[1]), "README default of %s", f.Env)
	}
	require.Contains(t, readme, "go run ./cmd/rightsdesk dev")
	require.Contains(t, readme, "go test ./...")
	ci, err := os.ReadFile(".ci/run")
	require.NoError(t, err)
	require.Regexp(t, `(?m)^go test \./\.\.\.$`, string(ci), ".ci/run runs the README's test command")
}

// TestKubernetesManifests: the manifests run the API (serve, probed on
// /readyz and /healthz) and the worker as Deployments of at least two and
// the migration as a Job, and configure only variables rightsdesk reads.
func TestKubernetesManifests(t *testing.T) {
	b, err := os.ReadFile("deploy/kubernetes/rightsdesk.yaml")
	require.NoError(t, err)
	known := map[string]bool{}
	for _, f := range config.Fields() {
		known[f.Env] = true
	}
	kinds := map[string][]string{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var doc struct {
			Kind     string
			Metadata struct{ Name string }
			Data     map[string]string
			Spec     struct {
				Replicas int
				Template struct {
					Spec struct {
						Containers []struct {
							Args           []string
							ReadinessProbe struct {
								HTTPGet struct{ Path string } `yaml:"httpGet"`
							} `yaml:"readinessProbe"`
						}
					}
				}
			}
		}
		if err := dec.Decode(&doc); err == io.EOF {
			break
		} else {
			require.NoError(t, err)
		}
		kinds[doc.Kind] = append(kinds[doc.Kind], doc.Metadata.Name)
		for k := range doc.Data {
			require.True(t, known[k], "the ConfigMap sets %s, which rightsdesk does not read", k)
		}
		if doc.Kind == "Deployment" {
			require.GreaterOrEqual(t, doc.Spec.Replicas, 2, doc.Metadata.Name)
			args := doc.Spec.Template.Spec.Containers[0].Args
			require.Contains(t, [][]string{{"serve"}, {"worker"}}, args)
			if args[0] == "serve" {
				require.Equal(t, "/readyz", doc.Spec.Template.Spec.Containers[0].ReadinessProbe.HTTPGet.Path)
			}
		}
		if doc.Kind == "Job" {
			require.Equal(t, []string{"migrate", "up"}, doc.Spec.Template.Spec.Containers[0].Args)
		}
	}
	require.ElementsMatch(t, []string{"rightsdesk-api", "rightsdesk-worker"}, kinds["Deployment"])
	require.Len(t, kinds["Job"], 1)
	require.Len(t, kinds["Service"], 1)
	for _, secret := range regexp.MustCompile(`# ([A-Z_]+(?:, [A-Z_]+)*)`).FindAllString(string(b), -1) {
		for _, name := range regexp.MustCompile(`[A-Z][A-Z_]{3,}`).FindAllString(secret, -1) {
			require.True(t, known[name], "the secret list names %s, which rightsdesk does not read", name)
		}
	}
}

// devTooling names the packages the production binary must not link: the
// embedded Temporal server and its Web UI, and rightsdesk's dev tooling
// (the private PostgreSQL, the mail catcher, the demo systems, the test
// environments).
var devTooling = regexp.MustCompile(`^(go\.temporal\.io/server(/|$)|github\.com/temporalio/ui-server/|github\.com/rightsdesk/rightsdesk/internal/devtools/)`)

// linkedDevTooling lists the packages of ./cmd/rightsdesk built with these
// build flags that devTooling names, and reports whether the closure holds
// the Temporal SDK's client (so an empty answer means a real list).
func linkedDevTooling(t *testing.T, flags ...string) ([]string, bool) {
	t.Helper()
	cmd := exec.Command("go", append(append([]string{"list", "-deps"}, flags...), "./cmd/rightsdesk")...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.Output()
	require.NoError(t, err, "go list -deps %v ./cmd/rightsdesk", flags)
	var bad []string
	client := false
	for _, p := range strings.Fields(string(out)) {
		if devTooling.MatchString(p) {
			bad = append(bad, p)
		}
		client = client || p == "go.temporal.io/sdk/client"
	}
	return bad, client
}

// TestDockerfileBinaryLinksNoDevTooling: the binary the Dockerfile builds
// (with the build tags its go build line gives) links no Temporal server,
// no Temporal UI server and no internal/devtools package, while the
// development build (go run ./cmd/rightsdesk dev) links them, so the
// check sees them when they are there.
func TestDockerfileBinaryLinksNoDevTooling(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	require.NoError(t, err)
	line := regexp.MustCompile(`(?m)^RUN .*\bgo build\b.*\./cmd/rightsdesk\s*$`).FindString(string(b))
	require.NotEmpty(t, line, "the Dockerfile builds ./cmd/rightsdesk")
	tags := regexp.MustCompile(`\s-tags[= ]"?([^\s"]+)`).FindStringSubmatch(line)
	require.NotNil(t, tags, "the Dockerfile's go build gives -tags production")
	require.Contains(t, strings.Split(tags[1], ","), "production")

	bad, client := linkedDevTooling(t, "-tags", tags[1])
	require.True(t, client, "the production binary is a Temporal client")
	if len(bad) > 0 {
		t.Fatalf("the Dockerfile's binary links %d dev tooling packages, among them %v", len(bad), bad[:min(len(bad), 8)])
	}

	dev, _ := linkedDevTooling(t)
	require.Contains(t, dev, "go.temporal.io/server/temporal", "the dev build embeds the Temporal server")
	require.Contains(t, dev, "github.com/rightsdesk/rightsdesk/internal/devtools/devstack")
}
