package connectors

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rightsdesk/rightsdesk/internal/policy"
)

// Postgres reaches a system that is a PostgreSQL database. All SQL is built
// from the map's validated names, quoted as identifiers, and every value is
// a parameter: nothing from a request or a person ever becomes SQL text.
type Postgres struct {
	System string
	Pool   *pgxpool.Pool
	// HashKey keys the hash an anonymised column gets, so the same person
	// still joins up across tables without being identifiable.
	HashKey []byte
}

var _ Connector = (*Postgres)(nil)

func ident(name string) string {
	parts := strings.Split(name, ".")
	return pgx.Identifier(parts).Sanitize()
}

// normalised compares a column the way the identifier was normalised.
func normalised(kind, col string) string {
	switch kind {
	case "email":
		return "lower(" + ident(col) + ")"
	case "cpr", "personnummer", "samordningsnummer", "phone":
		return "regexp_replace(" + ident(col) + ", '[^0-9]', '', 'g')"
	}
	return ident(col)
}

// match is the WHERE clause that finds the subject's rows, and its values.
func match(ds policy.Dataset, s Subject, args []any) (string, []any, error) {
	var conds []string
	for _, kind := range slices.Sorted(maps.Keys(ds.Keys)) {
		v, ok := s.Identifiers[kind]
		if !ok || v == "" {
			continue
		}
		value := v
		if kind == "phone" {
			value = strings.TrimPrefix(v, "+")
		}
		args = append(args, value)
		conds = append(conds, fmt.Sprintf("%s = $%d", normalised(kind, ds.Keys[kind]), len(args)))
	}
	if len(conds) == 0 {
		return "", nil, ErrNoIdentifier
	}
	return "(" + strings.Join(conds, " OR ") + ")", args, nil
}

// held is the condition that a hold keeps a row, and its values: the rows
// whose hold column is younger than its years, or every row for a hold
// without a column.
func held(ds policy.Dataset, args []any) (string, []any, bool) {
	var conds []string
	for _, h := range ds.Holds {
		if h.Column == "" {
			return "true", args, true
		}
		args = append(args, now().AddDate(-h.Years, 0, 0))
		conds = append(conds, fmt.Sprintf("%s > $%d", ident(h.Column), len(args)))
	}
	if len(conds) == 0 {
		return "false", args, false
	}
	return "(" + strings.Join(conds, " OR ") + ")", args, true
}

func (p *Postgres) result(ds policy.Dataset, rows int64) Result {
	return Result{System: p.System, Dataset: ds.ID, Rows: rows}
}

// Find counts the subject's rows.
func (p *Postgres) Find(ctx context.Context, ds policy.Dataset, s Subject) (Result, error) {
	where, args, err := match(ds, s, nil)
	if err != nil {
		return p.result(ds, 0), err
	}
	var n int64
	if err := p.Pool.QueryRow(ctx, "SELECT count(*) FROM "+ident(ds.Table)+" WHERE "+where, args...).Scan(&n); err != nil {
		return p.result(ds, 0), fmt.Errorf("connectors: %s.%s: find: %w", p.System, ds.ID, err)
	}
	return p.result(ds, n), nil
}

// FindAll counts the rows that hold every identifier of the subject at
// once (one row with the e-mail address and the CPR number, say). A kind
// the dataset is not keyed by is ErrNoIdentifier: it cannot be compared.
func (p *Postgres) FindAll(ctx context.Context, ds policy.Dataset, s Subject) (Result, error) {
	var conds []string
	var args []any
	for _, kind := range slices.Sorted(maps.Keys(s.Identifiers)) {
		col, ok := ds.Keys[kind]
		if !ok || s.Identifiers[kind] == "" {
			return p.result(ds, 0), ErrNoIdentifier
		}
		value := s.Identifiers[kind]
		if kind == "phone" {
			value = strings.TrimPrefix(value, "+")
		}
		args = append(args, value)
		conds = append(conds, fmt.Sprintf("%s = $%d", normalised(kind, col), len(args)))
	}
	if len(conds) == 0 {
		return p.result(ds, 0), ErrNoIdentifier
	}
	var n int64
	if err := p.Pool.QueryRow(ctx, "SELECT count(*) FROM "+ident(ds.Table)+" WHERE "+strings.Join(conds, " AND "), args...).Scan(&n); err != nil {
		return p.result(ds, 0), fmt.Errorf("connectors: %s.%s: find: %w", p.System, ds.ID, err)
	}
	return p.result(ds, n), nil
}

// Export streams the subject's rows, the map's fields (or every column).
func (p *Postgres) Export(ctx context.Context, ds policy.Dataset, s Subject, emit func(Row) error) (Result, error) {
	where, args, err := match(ds, s, nil)
	if err != nil {
		return p.result(ds, 0), err
	}
	cols := "*"
	if len(ds.Fields) > 0 {
		quoted := make([]string, len(ds.Fields))
		for i, f := range ds.Fields {
			quoted[i] = ident(f)
		}
		cols = strings.Join(quoted, ", ")
	}
	rows, err := p.Pool.Query(ctx, "SELECT "+cols+" FROM "+ident(ds.Table)+" WHERE "+where, args...)
	if err != nil {
		return p.result(ds, 0), fmt.Errorf("connectors: %s.%s: export: %w", p.System, ds.ID, err)
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		r, err := pgx.RowToMap(rows)
		if err != nil {
			return p.result(ds, n), fmt.Errorf("connectors: %s.%s: export: %w", p.System, ds.ID, err)
		}
		if ds.Restrict != "" {
			delete(r, ds.Restrict)
		}
		if err := emit(r); err != nil {
			return p.result(ds, n), err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return p.result(ds, n), fmt.Errorf("connectors: %s.%s: export: %w", p.System, ds.ID, err)
	}
	return p.result(ds, n), nil
}

// LedgerDDL creates the table in a source database where each change is
// recorded with its step key. The connector creates it when it may; where
// its role may not, a DBA runs this.
const LedgerDDL = `CREATE TABLE IF NOT EXISTS rightsdesk_ledger (
    step_key text PRIMARY KEY,
    rows     bigint NOT NULL,
    held     bigint NOT NULL,
    done_at  timestamptz NOT NULL DEFAULT now()
)`

// ledgered runs a change in one transaction with its ledger entry: when the
// step's key is there already, the change is not made again and the first
// result is returned.
func (p *Postgres) ledgered(ctx context.Context, key string, change func(tx pgx.Tx) (rows, held int64, err error)) (rows, held int64, err error) {
	if key == "" {
		err = pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
			rows, held, err = change(tx)
			return err
		})
		return rows, held, err
	}
	if _, err := p.Pool.Exec(ctx, LedgerDDL); err != nil {
		return 0, 0, fmt.Errorf("the ledger table rightsdesk_ledger is missing and cannot be created (run connectors.LedgerDDL): %w", err)
	}
	err = pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, "SELECT rows, held FROM rightsdesk_ledger WHERE step_key = $1", key).Scan(&rows, &held)
		if err == nil {
			return nil // done before
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if rows, held, err = change(tx); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "INSERT INTO rightsdesk_ledger (step_key, rows, held) VALUES ($1, $2, $3)", key, rows, held)
		return err
	})
	return rows, held, err
}

// Erase erases, in one transaction, the subject's rows that no hold keeps,
// and counts the rows kept. Running it again erases nothing more.
func (p *Postgres) Erase(ctx context.Context, ds policy.Dataset, s Subject) (Result, error) {
	return p.erase(ctx, ds, s.Key, func(args []any) (string, []any, error) { return match(ds, s, args) })
}

// Expire carries out a dataset's retention rule with no request: the rows
// whose rule column is before cutoff are erased by the dataset's strategy,
// holds keeping theirs. key makes a repeat (the same day's run after a
// crash) do nothing again.
func (p *Postgres) Expire(ctx context.Context, ds policy.Dataset, cutoff time.Time, key string) (Result, error) {
	if ds.Expire == nil {
		return p.result(ds, 0), fmt.Errorf("%w: %s has no retention rule", ErrUnsupported, ds.ID)
	}
	return p.erase(ctx, ds, key, func(args []any) (string, []any, error) {
		args = append(args, cutoff)
		return fmt.Sprintf("%s < $%d", ident(ds.Expire.Column), len(args)), args, nil
	})
}

// erase erases the rows where selects, by the dataset's strategy, counting
// the rows a hold keeps; in one transaction, ledgered under key.
func (p *Postgres) erase(ctx context.Context, ds policy.Dataset, key string, where func(args []any) (string, []any, error)) (Result, error) {
	res := p.result(ds, 0)
	// The count of held rows, with its own numbering of values.
	cwhere, cargs, err := where(nil)
	if err != nil {
		return res, err
	}
	hold, cargs, holds := held(ds, cargs)

	var args []any
	var sql string
	switch ds.Erase.Strategy {
	case "delete", "archive":
		sql = "DELETE FROM " + ident(ds.Table)
	case "anonymise":
		var sets []string
		for _, col := range slices.Sorted(maps.Keys(ds.Erase.Fields)) {
			how := ds.Erase.Fields[col]
			switch {
			case how == "null" || how == "":
				sets = append(sets, ident(col)+" = NULL")
			case how == "hash":
				// HMAC-SHA256 with PostgreSQL's own sha256(), no extension:
				// H((K^opad) || H((K^ipad) || value)), the pads made here.
				ipad, opad := hmacPads(p.HashKey)
				args = append(args, ipad, opad)
				sets = append(sets, fmt.Sprintf("%s = encode(sha256($%d::bytea || sha256($%d::bytea || convert_to(%s::text, 'UTF8'))), 'hex')",
					ident(col), len(args), len(args)-1, ident(col)))
			case strings.HasPrefix(how, "fixed:"):
				args = append(args, strings.TrimPrefix(how, "fixed:"))
				sets = append(sets, fmt.Sprintf("%s = $%d", ident(col), len(args)))
			default:
				return res, fmt.Errorf("%w: anonymise %q as %q", ErrUnsupported, col, how)
			}
		}
		sql = "UPDATE " + ident(ds.Table) + " SET " + strings.Join(sets, ", ")
	default:
		return res, fmt.Errorf("%w: erase strategy %q", ErrUnsupported, ds.Erase.Strategy)
	}
	ewhere, args, err := where(args)
	if err != nil {
		return res, err
	}
	ehold, args, _ := held(ds, args)
	sql += " WHERE " + ewhere + " AND NOT " + ehold
	if ds.Erase.Strategy == "archive" {
		// Delivered to the archive first, in the same statement: nothing
		// is deleted that was not delivered.
		sql = "WITH gone AS (" + sql + " RETURNING *) INSERT INTO " + ident(ds.Erase.Archive) + " SELECT * FROM gone"
	}

	res.Rows, res.Held, err = p.ledgered(ctx, key, func(tx pgx.Tx) (int64, int64, error) {
		var n int64
		if holds {
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+ident(ds.Table)+" WHERE "+cwhere+" AND "+hold, cargs...).Scan(&n); err != nil {
				return 0, 0, err
			}
		}
		tag, err := tx.Exec(ctx, sql, args...)
		if err != nil {
			return 0, 0, err
		}
		return tag.RowsAffected(), n, nil
	})
	if err != nil {
		return res, fmt.Errorf("connectors: %s.%s: erase: %w", p.System, ds.ID, err)
	}
	if res.Held > 0 {
		res.Holds = ds.Holds
	}
	return res, nil
}

// hmacPads are HMAC-SHA256's inner and outer key pads (RFC 2104).
func hmacPads(key []byte) (ipad, opad []byte) {
	if len(key) > sha256.BlockSize {
		sum := sha256.Sum256(key)
		key = sum[:]
	}
	ipad, opad = make([]byte, sha256.BlockSize), make([]byte, sha256.BlockSize)
	copy(ipad, key)
	copy(opad, key)
	for i := range ipad {
		ipad[i] ^= 0x36
		opad[i] ^= 0x5c
	}
	return ipad, opad
}

// Restrict sets the dataset's restriction flag on the subject's rows.
func (p *Postgres) Restrict(ctx context.Context, ds policy.Dataset, s Subject, on bool) (Result, error) {
	res := p.result(ds, 0)
	if ds.Restrict == "" {
		return res, fmt.Errorf("%w: %s.%s has no restriction column", ErrUnsupported, p.System, ds.ID)
	}
	where, args, err := match(ds, s, []any{on})
	if err != nil {
		return res, err
	}
	res.Rows, _, err = p.ledgered(ctx, s.Key, func(tx pgx.Tx) (int64, int64, error) {
		tag, err := tx.Exec(ctx, "UPDATE "+ident(ds.Table)+" SET "+ident(ds.Restrict)+" = $1 WHERE "+where+" AND "+ident(ds.Restrict)+" IS DISTINCT FROM $1", args...)
		return tag.RowsAffected(), 0, err
	})
	if err != nil {
		return res, fmt.Errorf("connectors: %s.%s: restrict: %w", p.System, ds.ID, err)
	}
	return res, nil
}

// Rectify sets the allowed columns to the corrected values.
func (p *Postgres) Rectify(ctx context.Context, ds policy.Dataset, s Subject, values map[string]string) (Result, error) {
	res := p.result(ds, 0)
	if len(values) == 0 {
		return res, nil
	}
	var args []any
	var sets []string
	for _, col := range slices.Sorted(maps.Keys(values)) {
		if !slices.Contains(ds.Rectify, col) {
			return res, fmt.Errorf("%w: %s.%s does not allow rectifying %q", ErrUnsupported, p.System, ds.ID, col)
		}
		args = append(args, values[col])
		sets = append(sets, fmt.Sprintf("%s = $%d", ident(col), len(args)))
	}
	where, args, err := match(ds, s, args)
	if err != nil {
		return res, err
	}
	res.Rows, _, err = p.ledgered(ctx, s.Key, func(tx pgx.Tx) (int64, int64, error) {
		tag, err := tx.Exec(ctx, "UPDATE "+ident(ds.Table)+" SET "+strings.Join(sets, ", ")+" WHERE "+where, args...)
		return tag.RowsAffected(), 0, err
	})
	if err != nil {
		return res, fmt.Errorf("connectors: %s.%s: rectify: %w", p.System, ds.ID, err)
	}
	return res, nil
}

// KeyedHash is the hash an anonymised value gets: HMAC-SHA256, hex, as
// the SQL of Erase computes it.
func KeyedHash(key []byte, v string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(v))
	return hex.EncodeToString(m.Sum(nil))
}
