package connectors

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/rightsdesk/rightsdesk/internal/policy"
)

// HTTP reaches a system that is a service of the controller's own: each
// step is a JSON call signed by the Standard Webhooks convention, whose
// webhook-id (also sent as Idempotency-Key) is the step's key, so a call
// repeated after a failure is the same call. The service answers at once
// (200, with the rows it touched) or later (202), through a signed
// callback to rightsdesk.
type HTTP struct {
	System string
	URL    string
	Signer *standardwebhooks.Webhook
	Client *http.Client
	// Callback is where the service reports a step it accepted.
	Callback string
}

// HTTPStep is the body of a call.
type HTTPStep struct {
	// Key identifies the step; the service does it once per key.
	Key     string            `json:"key"`
	Step    string            `json:"step"`
	Dataset string            `json:"dataset"`
	Subject map[string]string `json:"subject"`
	// Values are a rectification's corrected values, by field.
	Values   map[string]string `json:"values,omitempty"`
	Callback string            `json:"callback,omitempty"`
}

// HTTPResult is what the service answers, at once or in its callback.
type HTTPResult struct {
	Key string `json:"key"`
	// Status is done, accepted (a callback follows) or failed.
	Status string `json:"status"`
	Rows   int64  `json:"rows"`
	Held   int64  `json:"held"`
	// Reason says why a step failed, or what holds kept.
	Reason string `json:"reason,omitempty"`
}

// ErrAccepted is a step the service took on and will report by callback.
var ErrAccepted = errors.New("connectors: the system accepted the step and reports it later")

// NewHTTP builds an http connector signing with a whsec_ secret.
func NewHTTP(system, url, secret, callback string) (*HTTP, error) {
	s, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return nil, fmt.Errorf("connectors: %s: the signing secret (whsec_ and base64): %w", system, err)
	}
	return &HTTP{System: system, URL: url, Signer: s, Client: &http.Client{Timeout: 30 * time.Second}, Callback: callback}, nil
}

// Do calls the service for one step of one dataset. It returns the result
// of a step done now, ErrAccepted for one reported later, or an error (the
// call may be repeated with the same key).
func (h *HTTP) Do(ctx context.Context, step string, ds policy.Dataset, s Subject, values map[string]string) (Result, error) {
	res := Result{System: h.System, Dataset: ds.ID}
	resp, err := h.send(ctx, h.Client, step, ds, s, values)
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return res, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		var r HTTPResult
		if err := json.Unmarshal(raw, &r); err != nil || r.Status != "done" {
			return res, fmt.Errorf("connectors: %s answered 200 without {\"status\":\"done\"}", h.System)
		}
		res.Rows, res.Held = r.Rows, r.Held
		return res, nil
	case http.StatusAccepted:
		return res, ErrAccepted
	case http.StatusUnprocessableEntity:
		return res, fmt.Errorf("%w: %s refused the step", ErrUnsupported, h.System)
	}
	return res, fmt.Errorf("connectors: %s answered %s", h.System, resp.Status)
}

// exportTimeout bounds one export call: the rows stream, so it may take
// longer than a step.
const exportTimeout = 10 * time.Minute

// Export asks the service for the subject's records of a dataset (step
// export) and hands each to fn as it is read: the answer is
// {"key": …, "status": "done", "records": [{…}, …]}, decoded record by
// record, never held whole. It may be called again with the same key.
func (h *HTTP) Export(ctx context.Context, ds policy.Dataset, s Subject, fn func(Row) error) (Result, error) {
	res := Result{System: h.System, Dataset: ds.ID}
	client := *h.Client
	client.Timeout = exportTimeout
	resp, err := h.send(ctx, &client, "export", ds, s, nil)
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnprocessableEntity:
		return res, fmt.Errorf("%w: %s does not export %s", ErrUnsupported, h.System, ds.ID)
	default:
		return res, fmt.Errorf("connectors: %s answered %s", h.System, resp.Status)
	}
	res.Rows, err = readExport(resp.Body, h.System, fn)
	return res, err
}

// readExport reads an export answer, {"status":"done","records":[…]} in any
// order of keys, a record at a time; an answer cut off, malformed or not
// done is refused whole.
func readExport(r io.Reader, system string, fn func(Row) error) (int64, error) {
	var rows int64
	dec := json.NewDecoder(r)
	dec.UseNumber()
	bad := fmt.Errorf("connectors: %s answered an export that is not {\"status\":\"done\",\"records\":[…]}", system)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return rows, bad
	}
	done, records := false, false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return rows, bad
		}
		switch t {
		case "status":
			var st string
			if err := dec.Decode(&st); err != nil {
				return rows, bad
			}
			done = st == "done"
		case "records":
			if records {
				return rows, bad // twice: which is the export?
			}
			records = true
			if t, err := dec.Token(); err != nil || t != json.Delim('[') {
				return rows, bad
			}
			for dec.More() {
				var row Row
				if err := dec.Decode(&row); err != nil {
					return rows, bad
				}
				if err := fn(row); err != nil {
					return rows, err
				}
				rows++
			}
			if _, err := dec.Token(); err != nil {
				return rows, bad
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return rows, bad
			}
		}
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return rows, bad // cut off before the end of the answer
	}
	if !done || !records {
		return rows, bad
	}
	return rows, nil
}

// send makes and sends the signed call of one step.
func (h *HTTP) send(ctx context.Context, client *http.Client, step string, ds policy.Dataset, s Subject, values map[string]string) (*http.Response, error) {
	ids := map[string]string{}
	for kind := range ds.Keys {
		if v, ok := s.Identifiers[kind]; ok {
			ids[kind] = v
		}
	}
	if len(ids) == 0 {
		return nil, ErrNoIdentifier
	}
	body, err := json.Marshal(HTTPStep{Key: s.Key, Step: step, Dataset: ds.ID, Subject: ids, Values: values, Callback: h.Callback})
	if err != nil {
		return nil, err
	}
	now := time.Now()
	sig, err := h.Signer.Sign(s.Key, now, body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", s.Key)
	req.Header.Set("Idempotency-Key", s.Key)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("connectors: %s: %w", h.System, err)
	}
	return resp, nil
}

// VerifyCallback checks a callback's signature and reads its result.
func VerifyCallback(secret string, body []byte, header http.Header) (HTTPResult, error) {
	s, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return HTTPResult{}, err
	}
	if err := s.Verify(body, header); err != nil {
		return HTTPResult{}, err
	}
	var r HTTPResult
	if err := json.Unmarshal(body, &r); err != nil {
		return r, err
	}
	if r.Key == "" || (r.Status != "done" && r.Status != "failed") {
		return r, errors.New("connectors: a callback needs key and status done or failed")
	}
	return r, nil
}
