package activities

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"github.com/rightsdesk/rightsdesk/internal/connectors"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/letters"
	"github.com/rightsdesk/rightsdesk/internal/policy"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// PackageDays is how long a package can be downloaded unless the
// controller's package_days says otherwise.
const PackageDays = 30

// packageChunk is the size of a sealed piece: memory stays bounded by it,
// however large the package.
const packageChunk = 1 << 20

// chunkWriter seals and stores what is written, a piece at a time.
type chunkWriter struct {
	ctx  context.Context
	db   *gorm.DB
	id   uuid.UUID
	key  []byte
	buf  []byte
	seq  int
	size int64
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for len(w.buf) >= packageChunk {
		if err := w.flush(packageChunk); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (w *chunkWriter) flush(n int) error {
	sealed, err := crypto.Seal(w.key, w.buf[:n], store.ChunkAAD(w.id, w.seq))
	if err != nil {
		return err
	}
	if err := w.db.WithContext(w.ctx).Create(&store.PackageChunk{RequestID: w.id, Seq: w.seq, Data: sealed}).Error; err != nil {
		return err
	}
	w.size += int64(n)
	w.seq++
	w.buf = append(w.buf[:0], w.buf[n:]...)
	return nil
}

func (w *chunkWriter) Close() error {
	if len(w.buf) == 0 {
		return nil
	}
	return w.flush(len(w.buf))
}

// portable reports whether a dataset's processing rests on consent or a
// contract (Art. 20(1)(a)).
func portable(ds policy.Dataset) bool {
	return slices.Contains(ds.LegalBasis, "6(1)(a)") || slices.Contains(ds.LegalBasis, "6(1)(b)")
}

// buildPackage streams every mapped postgres dataset's rows of the subject
// into a ZIP, JSON and CSV per dataset and a summary, sealed in pieces. A
// portability package holds the consent- and contract-based datasets only
// and names the others. Built again after a crash, it starts over.
func (a *Activities) buildPackage(ctx context.Context, req store.Request, subj intake.Subject, key []byte, s policy.Settings) (rights.StepResult, error) {
	res := rights.StepResult{Step: rights.StepPackage, System: "*", Dataset: "*", DatasetName: "package"}
	db := a.Store.DB.WithContext(ctx)
	if err := db.Where("request_id = ?", req.ID).Delete(&store.Package{}).Error; err != nil {
		return res, err
	}
	days := s.PackageDays
	if days == 0 {
		days = PackageDays
	}
	if err := db.Create(&store.Package{RequestID: req.ID, ExpiresAt: time.Now().AddDate(0, 0, days).UTC()}).Error; err != nil {
		return res, err
	}
	cw := &chunkWriter{ctx: ctx, db: a.Store.DB, id: req.ID, key: key}
	zw := zip.NewWriter(cw)
	who := connectors.Subject{Identifiers: subj.Identifiers()}
	var summary strings.Builder
	fmt.Fprintf(&summary, "%s\n%s\n\n", req.Reference, strings.Repeat("=", len(req.Reference)))
	var excluded []string
	// What the package holds: the datasets it has rows of, and whether
	// any is of special categories (then it needs a second factor).
	held, special := []string{}, false
	for _, sys := range s.Systems {
		var export func(ds policy.Dataset, fn func(connectors.Row) error) (connectors.Result, error)
		switch sys.Kind {
		case "postgres":
			conn, err := a.Systems.postgres(ctx, sys.ID)
			if err != nil {
				return res, err
			}
			export = func(ds policy.Dataset, fn func(connectors.Row) error) (connectors.Result, error) {
				return conn.Export(ctx, ds, who, fn)
			}
		case "http":
			conn, err := a.Systems.http(sys)
			if err != nil {
				return res, err
			}
			export = func(ds policy.Dataset, fn func(connectors.Row) error) (connectors.Result, error) {
				k := who
				k.Key = req.ID.String() + "/" + sys.ID + "/" + ds.ID + "/export"
				return conn.Export(ctx, ds, k, fn)
			}
		default:
			continue // manual: a caseworker task
		}
		for _, ds := range sys.Datasets {
			if rights.Kind(req.Kind) == rights.KindPortability && !portable(ds) {
				excluded = append(excluded, sys.Name+": "+ds.Name)
				continue
			}
			n, err := writeDataset(zw, sys, ds, func(fn func(connectors.Row) error) (connectors.Result, error) { return export(ds, fn) })
			if errors.Is(err, connectors.ErrUnsupported) {
				// The map says the system exports; it says it cannot.
				return res, temporal.NewNonRetryableApplicationError(err.Error(), rights.ErrTypeFulfil, nil)
			}
			if err != nil {
				return res, err
			}
			res.Rows += n
			if n > 0 {
				held = append(held, sys.ID+"/"+ds.ID)
				special = special || ds.SpecialCategories
			}
			fmt.Fprintf(&summary, "%s / %s: %d (%s.json, %s.csv)\n  purposes: %s; legal basis: %s; recipients: %s; retention: %s\n",
				sys.Name, ds.Name, n, sys.ID+"/"+ds.ID, sys.ID+"/"+ds.ID, strings.Join(ds.Purposes, ", "), strings.Join(ds.LegalBasis, ", "),
				orNone(ds.Recipients), ds.Retention)
		}
	}
	if len(excluded) > 0 {
		fmt.Fprintf(&summary, "\nNot included: the right to data portability covers only processing based on consent or a contract (GDPR Art. 20(1), 20(3)); ask for access to see these:\n  %s\n",
			strings.Join(excluded, "\n  "))
	}
	f, err := zw.Create("summary.txt")
	if err != nil {
		return res, err
	}
	if _, err := io.WriteString(f, summary.String()); err != nil {
		return res, err
	}
	if err := a.writeReply(ctx, zw, req, subj); err != nil {
		return res, err
	}
	if err := zw.Close(); err != nil {
		return res, err
	}
	if err := cw.Close(); err != nil {
		return res, err
	}
	err = db.Model(&store.Package{}).Where("request_id = ?", req.ID).
		Updates(map[string]any{"complete": true, "size": cw.size, "rows": res.Rows, "chunks": cw.seq, "special": special,
			"datasets": gorm.Expr("?::jsonb", mustJSON(held))}).Error
	return res, err
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

// writeDataset writes one dataset as JSON (an array, a row at a time) and
// as CSV, exporting twice rather than holding the rows.
func writeDataset(zw *zip.Writer, sys policy.System, ds policy.Dataset, export func(func(connectors.Row) error) (connectors.Result, error)) (int64, error) {
	name := sys.ID + "/" + ds.ID
	f, err := zw.Create(name + ".json")
	if err != nil {
		return 0, err
	}
	if _, err := io.WriteString(f, "["); err != nil {
		return 0, err
	}
	first := true
	r, err := export(func(row connectors.Row) error {
		b, err := json.Marshal(row)
		if err != nil {
			return err
		}
		if !first {
			if _, err := io.WriteString(f, ",\n"); err != nil {
				return err
			}
		}
		first = false
		_, err = f.Write(b)
		return err
	})
	if err != nil && err != connectors.ErrNoIdentifier {
		return 0, err
	}
	if _, err := io.WriteString(f, "]\n"); err != nil {
		return 0, err
	}
	c, err := zw.Create(name + ".csv")
	if err != nil {
		return 0, err
	}
	w := csv.NewWriter(c)
	header := ds.Fields
	wrote := false
	_, err = export(func(row connectors.Row) error {
		if header == nil {
			header = slices.Sorted(maps.Keys(row))
		}
		if !wrote {
			wrote = true
			if err := w.Write(header); err != nil {
				return err
			}
		}
		rec := make([]string, len(header))
		for i, h := range header {
			rec[i] = cell(row[h])
		}
		return w.Write(rec)
	})
	if err != nil && err != connectors.ErrNoIdentifier {
		return 0, err
	}
	w.Flush()
	return r.Rows, w.Error()
}

func cell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	case []byte:
		return string(v)
	}
	return fmt.Sprint(v)
}

// writeReply puts the reply letter into the package, as PDF and as text,
// in the subject's language: what is processed and why, the Art. 15 items
// of the record of processing, and the subject's rights, beside the data.
func (a *Activities) writeReply(ctx context.Context, zw *zip.Writer, req store.Request, subj intake.Subject) error {
	if a.Outbox == nil {
		return nil
	}
	b, err := a.Outbox.base(ctx, req, subj)
	if err != nil {
		return err
	}
	d := b.data
	d.Decision = &letters.Decision{Outcome: "grant"}
	l, err := b.renderer.Render(letters.ReplyFor(req.Kind), d)
	if err != nil {
		return temporal.NewNonRetryableApplicationError(err.Error(), rights.ErrTypeFulfil, nil)
	}
	pdf, err := l.PDF(b.crow.Name)
	if err != nil {
		return err
	}
	for _, file := range []struct {
		name    string
		content []byte
	}{{"reply.pdf", pdf}, {"reply.txt", []byte(l.Text)}} {
		f, err := zw.Create(file.name)
		if err != nil {
			return err
		}
		if _, err := f.Write(file.content); err != nil {
			return err
		}
	}
	return nil
}
