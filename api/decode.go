package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

// MaxListedErrors bounds the fields a validation problem lists: a huge
// invalid body earns a short answer, with the total count.
const MaxListedErrors = 20

func (f fieldErrors) problem() error {
	if len(f) == 0 {
		return nil
	}
	p := NewProblem(http.StatusUnprocessableEntity, "validation", fmt.Sprintf("the request has %d invalid field(s); nothing was written", len(f)))
	p.Errors = f
	if len(f) > MaxListedErrors {
		p.Errors = f[:MaxListedErrors]
	}
	p.ErrorCount = len(f)
	return p
}

// decode reads a JSON body strictly into v: the right content type, one
// value, no unknown fields. Its errors name the field at fault.
func decode(c echo.Context, v any) error {
	req := c.Request()
	mt, params, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return NewProblem(http.StatusUnsupportedMediaType, "unsupported-media-type", "send the body as application/json")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return NewProblem(http.StatusUnsupportedMediaType, "unsupported-media-type", "JSON is UTF-8 (RFC 8259): send the body without a charset or with charset=utf-8")
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

// decodeBytes decodes strictly. Input is kept or refused, never altered:
// encoding/json would replace invalid UTF-8 and lone surrogates with U+FFFD,
// let the last of two equal keys win and match keys case-insensitively, so
// all of these are refused before it runs.
func decodeBytes(body []byte, v any) error {
	if err := checkJSONText(body); err != nil {
		return err
	}
	// Every body is an object: encoding/json would take null as "nothing
	// given" and leave v as it is, so null, like an array, a string, a
	// number or a boolean, is refused here.
	if t := reflect.TypeOf(v); t != nil && t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct {
		if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && trimmed[0] != '{' {
			return malformedProblem("", "the body must be a JSON object")
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return malformed(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return malformedProblem("", "the body must hold exactly one JSON value")
	}
	var generic any
	if err := json.Unmarshal(body, &generic); err != nil {
		return malformed(err)
	}
	return checkKeyCase(generic, reflect.TypeOf(v), "")
}

// checkKeyCase refuses a key that matches a field only regardless of case
// ("Kind" for "kind"): encoding/json would take it, the contract does not.
func checkKeyCase(val any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch x := val.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return nil
		}
		fields := map[string]reflect.Type{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			fields[name] = f.Type
		}
		for k, sub := range x {
			ft, ok := fields[k]
			if !ok {
				return malformedProblem(path+"/"+k, "unknown field (names are case-sensitive)")
			}
			if err := checkKeyCase(sub, ft, path+"/"+k); err != nil {
				return err
			}
		}
	case []any:
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return nil
		}
		for i, sub := range x {
			if err := checkKeyCase(sub, t.Elem(), path+"/"+strconv.Itoa(i)); err != nil {
				return err
			}
		}
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

// checkJSONText refuses what encoding/json would silently change: bytes
// that are not UTF-8, escaped lone surrogates (\ud800), and objects with the
// same key twice, also when the two differ only in case.
func checkJSONText(body []byte) error {
	if !utf8.Valid(body) {
		return malformedProblem("", "the body is not valid UTF-8")
	}
	if err := checkSurrogates(body); err != nil {
		return err
	}
	type frame struct {
		object    bool
		keys      map[string]bool
		expectKey bool
		lastKey   string
		index     int
		path      string
	}
	var stack []*frame
	top := func() *frame {
		if len(stack) == 0 {
			return nil
		}
		return stack[len(stack)-1]
	}
	afterValue := func(f *frame) {
		switch {
		case f == nil:
		case f.object:
			f.expectKey = true
		default:
			f.index++
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			// The end, or a syntax error the decoder proper reports.
			return nil
		}
		f := top()
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				path := ""
				if f != nil && f.object {
					path = f.path + "/" + f.lastKey
				} else if f != nil {
					path = f.path + "/" + strconv.Itoa(f.index)
				}
				stack = append(stack, &frame{object: t == '{', keys: map[string]bool{}, expectKey: true, path: path})
				continue
			}
			stack = stack[:len(stack)-1]
			afterValue(top())
		case string:
			if f != nil && f.object && f.expectKey {
				k := strings.ToLower(t)
				if f.keys[k] {
					return malformedProblem(f.path+"/"+t, "this key is given twice (keys are compared regardless of case)")
				}
				f.keys[k], f.lastKey, f.expectKey = true, t, false
				continue
			}
			afterValue(f)
		default:
			afterValue(f)
		}
	}
}

// checkSurrogates refuses a \u escape of a UTF-16 surrogate that is not
// part of a pair: it stands for no character.
func checkSurrogates(body []byte) error {
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' || i+1 >= len(body) {
			continue
		}
		if body[i+1] != 'u' {
			i++ // an escaped character, perhaps a backslash
			continue
		}
		r, ok := hex4(body, i+2)
		if !ok {
			continue // the decoder reports it
		}
		switch {
		case r >= 0xd800 && r < 0xdc00:
			if lo, ok := hex4(body, i+8); ok && i+7 < len(body) && body[i+6] == '\\' && body[i+7] == 'u' && lo >= 0xdc00 && lo < 0xe000 {
				i += 11
				continue
			}
			return malformedProblem("", "the body holds an escaped lone surrogate (\\u"+string(body[i+2:i+6])+"), which is no character")
		case r >= 0xdc00 && r < 0xe000:
			return malformedProblem("", "the body holds an escaped lone surrogate (\\u"+string(body[i+2:i+6])+"), which is no character")
		}
		i += 5
	}
	return nil
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[at:at+4]), 16, 32)
	return rune(n), err == nil
}
