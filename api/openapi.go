package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
	"gopkg.in/yaml.v3"
)

//go:embed openapi.yaml
var openAPIYAML []byte

var openAPIDoc = sync.OnceValues(func() ([]byte, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(openAPIYAML, &doc); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	// Operations share response sets written once under components/x-*;
	// OpenAPI has no $ref for a whole responses object, so expand them.
	components, _ := doc["components"].(map[string]any)
	paths, _ := doc["paths"].(map[string]any)
	for _, item := range paths {
		for _, op := range item.(map[string]any) {
			op, ok := op.(map[string]any)
			if !ok {
				continue
			}
			if r, ok := op["responses"].(map[string]any); ok {
				if ref, ok := r["$ref"].(string); ok && len(r) == 1 {
					op["responses"] = components[strings.TrimPrefix(ref, "#/components/")]
				}
			}
		}
	}
	return json.Marshal(doc)
})

// OpenAPI returns the API's OpenAPI 3.1 document as JSON.
func OpenAPI() ([]byte, error) { return openAPIDoc() }

func (s *Server) openAPI(c echo.Context) error {
	b, err := openAPIDoc()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
}
