package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// dateOf formats a date for a response.
func dateOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func dateOfPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := dateOf(*t)
	return &s
}

// fieldErrors collects validation errors; a non-empty list is a 422.
type fieldErrors []FieldError

func (f *fieldErrors) add(pointer, format string, args ...any) {
	*f = append(*f, FieldError{Pointer: pointer, Detail: fmt.Sprintf(format, args...)})
}

// limit reads the limit query parameter: def when absent, 1 to max.
func (f *fieldErrors) limit(v string, def, max int) int {
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		f.add("/query/limit", "a number from 1 to %d", max)
	}
	return n
}

func (f fieldErrors) problem() error {
	if len(f) == 0 {
		return nil
	}
	p := NewProblem(http.StatusUnprocessableEntity, "validation", fmt.Sprintf("the request has %d invalid field(s); nothing was written", len(f)))
	p.Errors = f
	return p
}

// decode reads a JSON body strictly into v: the right content type, one
// value, no unknown fields. Its errors name the field at fault.
func decode(c echo.Context, v any) error {
	req := c.Request()
	mt, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return NewProblem(http.StatusUnsupportedMediaType, "unsupported-media-type", "send the body as application/json")
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		return err
	}
	return decodeBytes(body, v)
}

func decodeBytes(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return malformed(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return malformedProblem("", "the body must hold exactly one JSON value")
	}
	return nil
}

func malformedProblem(pointer, detail string) error {
	p := NewProblem(http.StatusBadRequest, "malformed", "the body is not valid for this endpoint; nothing was written")
	p.Errors = []FieldError{{Pointer: pointer, Detail: detail}}
	return p
}

func malformed(err error) error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return malformedProblem("", fmt.Sprintf("invalid JSON at byte %d", syntax.Offset))
	case errors.As(err, &typeErr):
		ptr := "/" + strings.ReplaceAll(typeErr.Field, ".", "/")
		return malformedProblem(ptr, fmt.Sprintf("must be %s", jsonType(typeErr.Type.Kind().String())))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return malformedProblem("", "the body is empty or cut short")
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return malformedProblem("/"+strings.Trim(name, `"`), "unknown field")
	}
	// Errors from a field's own UnmarshalJSON (dates) carry no path in
	// encoding/json; the message says which value is wrong.
	return malformedProblem("", strings.TrimPrefix(msg, "json: "))
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	default:
		return "a number"
	}
}
