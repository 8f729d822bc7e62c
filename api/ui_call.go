package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/labstack/echo/v4"
)

// The staff pages call the API's own handlers in process, as the signed-in
// person: the same validation, the same rules, the same audit and access
// log, and no second copy of any of them.

// apiCall is one call of an API handler from a page.
type apiCall struct {
	method string
	// params are the route's path parameters, name then value.
	params []string
	query  url.Values
	body   any
	// key is the Idempotency-Key: a form carries one, so sending it twice
	// (a double click, the back button) decides nothing twice.
	key string
}

// bufferWriter is the in-process call's response.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *bufferWriter) Header() http.Header         { return w.header }
func (w *bufferWriter) Write(b []byte) (int, error) { return w.body.Write(b) }
func (w *bufferWriter) WriteHeader(status int)      { w.status = status }

// callAPI runs an API handler for the page's signed-in person and decodes
// its JSON answer into out; a refusal comes back as the API's *Problem.
func (s *Server) callAPI(c echo.Context, h echo.HandlerFunc, call apiCall, out any) error {
	var body bytes.Buffer
	if call.body != nil {
		if err := json.NewEncoder(&body).Encode(call.body); err != nil {
			return err
		}
	}
	target := "/internal"
	if len(call.query) > 0 {
		target += "?" + call.query.Encode()
	}
	req, err := http.NewRequestWithContext(c.Request().Context(), call.method, target, &body)
	if err != nil {
		return err
	}
	req.RemoteAddr = c.Request().RemoteAddr
	if call.body != nil {
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	}
	if call.key != "" {
		req.Header.Set("Idempotency-Key", call.key)
	}
	w := &bufferWriter{header: http.Header{}, status: http.StatusOK}
	ec := s.echo.NewContext(req, w)
	var names, values []string
	for i := 0; i+1 < len(call.params); i += 2 {
		names, values = append(names, call.params[i]), append(values, call.params[i+1])
	}
	ec.SetParamNames(names...)
	ec.SetParamValues(values...)
	ec.Set(principalKey, principal(c))
	ec.Response().Header().Set(echo.HeaderXRequestID, requestID(c))
	if err := h(ec); err != nil {
		return err
	}
	if w.status >= 300 {
		return fmt.Errorf("api call answered %d", w.status)
	}
	if out == nil {
		return nil
	}
	if b, ok := out.(*[]byte); ok {
		*b = w.body.Bytes()
		return nil
	}
	return json.Unmarshal(w.body.Bytes(), out)
}

// formBody fills an action body from a form by its JSON names: strings,
// lists of strings (repeated fields) and maps of strings (fields named
// name.key). Fields the form leaves out stay empty, as in JSON.
func formBody(v any, form url.Values) {
	rv := reflect.ValueOf(v).Elem()
	rt := rv.Type()
	for i := range rt.NumField() {
		f := rt.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		switch f.Type.Kind() {
		case reflect.String:
			rv.Field(i).SetString(form.Get(name))
		case reflect.Slice:
			var vals []string
			for _, x := range form[name] {
				if x != "" {
					vals = append(vals, x)
				}
			}
			rv.Field(i).Set(reflect.ValueOf(vals))
		case reflect.Map:
			m := map[string]string{}
			for k, x := range form {
				if key, ok := strings.CutPrefix(k, name+"."); ok && len(x) > 0 && x[0] != "" {
					m[key] = x[0]
				}
			}
			rv.Field(i).Set(reflect.ValueOf(m))
		}
	}
}
