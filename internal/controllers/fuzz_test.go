package controllers

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzControllersFile feeds arbitrary files to the controllers file
// parser: it never panics; what it refuses it refuses with an error, and
// what it accepts has controllers with the fields start-up relies on.
func FuzzControllersFile(f *testing.F) {
	demo, err := os.ReadFile("demo.yaml")
	require.NoError(f, err)
	f.Add(demo)
	for _, seed := range []string{
		"controllers: []",
		"controllers:\n  - id: x\n    name: X\n",
		"controllers:\n  - id: p\n    role: processor\n    forwards_to: nowhere\n",
		"controllers: [{id: a, systems: [{id: s, kind: postgres, datasets: [{id: d, table: t, keys: {cpr: c}}]}]}]",
		"{", "- - -", "controllers: 1",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		cs, err := Parse(file)
		if err != nil {
			require.NotEmpty(t, err.Error())
			return
		}
		for _, c := range cs {
			require.NotEmpty(t, c.ID)
			require.NotEmpty(t, c.TimeZone)
			require.Contains(t, []string{"controller", "processor"}, c.Role)
		}
	})
}
