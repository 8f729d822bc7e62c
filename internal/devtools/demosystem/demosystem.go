// Package demosystem is the demo booking system that `rightsdesk dev` serves
// itself: an http system of the demo data map (docs/DATAMAP.md), speaking
// the http connector's protocol over the appointments in the demo source
// database. It shows a newcomer what a service of their own must do: check
// the signature, do each step once per key, and say how many rows it
// touched.
package demosystem

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/rightsdesk/rightsdesk/internal/connectors"
)

// Handler answers the http connector's steps by its Spec.
type Handler struct {
	Pool   *pgxpool.Pool
	Signer *standardwebhooks.Webhook
	Logger *slog.Logger
	Spec   Spec
}

// Spec is what a stand-in system does: the dataset it serves, a statement
// per step, by the CPR number's digits ($1) or the e-mail address in lower
// case ($2) (identifiers are compared as the connector sends them), the
// export query (same parameters; every column becomes a field), and the
// table that records each step's key and rows (key text primary key, rows
// bigint). Examples describe theirs in standin.json.
type Spec struct {
	Dataset string            `json:"dataset"`
	Steps   map[string]string `json:"steps"`
	Export  string            `json:"export"`
	Ledger  string            `json:"ledger"`
}

// Booking is the demo booking system's spec, over booking.aftaler.
var Booking = Spec{
	Dataset: "aftaler",
	Steps: map[string]string{
		"erase":    `DELETE FROM booking.aftaler WHERE regexp_replace(cpr, '\D', '', 'g') = $1 OR lower(email) = $2`,
		"restrict": `UPDATE booking.aftaler SET begraenset = true WHERE (regexp_replace(cpr, '\D', '', 'g') = $1 OR lower(email) = $2) AND NOT begraenset`,
		"lift":     `UPDATE booking.aftaler SET begraenset = false WHERE (regexp_replace(cpr, '\D', '', 'g') = $1 OR lower(email) = $2) AND begraenset`,
	},
	Export: `SELECT id, tidspunkt, emne, begraenset FROM booking.aftaler WHERE regexp_replace(cpr, '\D', '', 'g') = $1 OR lower(email) = $2 ORDER BY id`,
	Ledger: "booking.udfoert",
}

// New is the demo booking system over the demo source database, checking
// calls signed with secret (whsec_ and base64).
func New(pool *pgxpool.Pool, secret string, logger *slog.Logger) (*Handler, error) {
	return NewSpec(pool, secret, logger, Booking)
}

// NewSpec is a stand-in system by spec.
func NewSpec(pool *pgxpool.Pool, secret string, logger *slog.Logger, spec Spec) (*Handler, error) {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return nil, err
	}
	if spec.Dataset == "" || spec.Ledger == "" {
		return nil, errors.New("demosystem: a spec names its dataset and ledger table")
	}
	return &Handler{Pool: pool, Signer: wh, Logger: logger, Spec: spec}, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "cannot read the body", http.StatusBadRequest)
		return
	}
	if err := h.Signer.Verify(body, r.Header); err != nil {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var step connectors.HTTPStep
	if err := json.Unmarshal(body, &step); err != nil || step.Key == "" || step.Dataset != h.Spec.Dataset {
		http.Error(w, "not a step of this system", http.StatusBadRequest)
		return
	}
	if step.Step == "export" {
		h.export(w, r.Context(), step)
		return
	}
	sql, ok := h.Spec.Steps[step.Step]
	if !ok {
		// Rectification is not offered here: the caseworker does it by hand.
		w.WriteHeader(http.StatusUnprocessableEntity)
		return
	}
	rows, err := h.once(r.Context(), step.Key, sql, digits(step.Subject["cpr"]), step.Subject["email"])
	if err != nil {
		h.Logger.Error("stand-in system: step failed", "step", step.Step, "err", err)
		http.Error(w, "the step failed; try again", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(connectors.HTTPResult{Key: step.Key, Status: "done", Rows: rows})
}

// export streams the person's appointments as {"key", "status", "records"}:
// a row at a time, as a service with many rows should.
func (h *Handler) export(w http.ResponseWriter, ctx context.Context, step connectors.HTTPStep) {
	cpr, email := digits(step.Subject["cpr"]), step.Subject["email"]
	if cpr == "" {
		cpr = "-"
	}
	if email == "" {
		email = "-"
	}
	rows, err := h.Pool.Query(ctx, h.Spec.Export, cpr, email)
	if err != nil {
		h.Logger.Error("stand-in system: export failed", "err", err)
		http.Error(w, "the export failed; try again", http.StatusInternalServerError)
		return
	}
	defer rows.Close()
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	key, _ := json.Marshal(step.Key)
	_, _ = io.WriteString(w, `{"key":`+string(key)+`,"status":"done","records":[`)
	first := true
	for rows.Next() {
		values, err := rows.Values()
		if err != nil {
			break // the answer ends unfinished: the connector refuses it
		}
		rec := map[string]any{}
		for i, f := range rows.FieldDescriptions() {
			rec[f.Name] = values[i]
		}
		if !first {
			_, _ = io.WriteString(w, ",")
		}
		first = false
		_ = enc.Encode(rec)
	}
	if rows.Err() != nil {
		return
	}
	_, _ = io.WriteString(w, "]}")
}

// once runs a step in one transaction with its record under key: run again
// with the same key, it answers the rows of the first time and does
// nothing.
func (h *Handler) once(ctx context.Context, key, sql, cpr, email string) (int64, error) {
	var rows int64
	err := pgx.BeginFunc(ctx, h.Pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT rows FROM `+pgx.Identifier(strings.Split(h.Spec.Ledger, ".")).Sanitize()+` WHERE key = $1 FOR UPDATE`, key).Scan(&rows)
		if err == nil {
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if cpr == "" {
			cpr = "-" // no CPR number given: matches nothing
		}
		if email == "" {
			email = "-"
		}
		tag, err := tx.Exec(ctx, sql, cpr, email)
		if err != nil {
			return err
		}
		rows = tag.RowsAffected()
		_, err = tx.Exec(ctx, `INSERT INTO `+pgx.Identifier(strings.Split(h.Spec.Ledger, ".")).Sanitize()+` (key, rows) VALUES ($1, $2)`, key, rows)
		return err
	})
	return rows, err
}

func digits(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			out = append(out, s[i])
		}
	}
	return string(out)
}
