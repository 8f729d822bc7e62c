//go:build !production

package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// apiJSON calls a running rightsdesk's API with a bearer token, and an
// Idempotency-Key when key is set, and decodes its JSON answer into out
// when out is not nil (an empty answer leaves out as it is). The error is
// the call's or the decoding's; the status is returned either way.
func apiJSON(method, url, token, key, body string, out any) (int, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil && !errors.Is(err, io.EOF) {
		return resp.StatusCode, err
	}
	return resp.StatusCode, nil
}
