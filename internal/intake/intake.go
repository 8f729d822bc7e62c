// Package intake writes a new rights request: the subject's personal data,
// encrypted under a data key of its own, keyed blind indexes of the
// identifiers, and one request row per right invoked, all in one
// transaction, once per Idempotency-Key.
package intake

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// Subject is the personal data a request carries. It is only ever stored
// encrypted.
type Subject struct {
	Name            string          `json:"name,omitempty"`
	Email           string          `json:"email,omitempty"`
	Phone           string          `json:"phone,omitempty"`
	NationalID      string          `json:"national_id,omitempty"`
	NationalIDKind  string          `json:"national_id_kind,omitempty"`
	Address         string          `json:"address,omitempty"`
	Representative  *Representative `json:"representative,omitempty"`
	NationalIDWarns string          `json:"national_id_warning,omitempty"`
}

// Representative acts for the subject (guardian, lawyer, power of attorney).
type Representative struct {
	Name           string `json:"name"`
	Email          string `json:"email,omitempty"`
	Relationship   string `json:"relationship"`
	MandateChecked bool   `json:"mandate_checked"`
	MandateBy      string `json:"mandate_checked_by,omitempty"`
}

// Identifiers returns the subject's identifiers to index: e-mail lower-cased
// (LEGAL.md §3: searches are case-insensitive for e-mail), the national ID
// normalised, the phone number as digits.
func (s Subject) Identifiers() map[string]string {
	out := map[string]string{}
	if s.Email != "" {
		out["email"] = NormalizeEmail(s.Email)
	}
	if s.NationalID != "" {
		out[s.NationalIDKind] = s.NationalID
	}
	if p := NormalizePhone(s.Phone); p != "" {
		out["phone"] = p
	}
	return out
}

// NormalizeEmail is the form of an e-mail address that is indexed.
func NormalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// NormalizePhone keeps a phone number's digits (and a leading +).
func NormalizePhone(p string) string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(p) {
		if (r >= '0' && r <= '9') || (r == '+' && i == 0) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Request is one right of an intake.
type Request struct {
	ID   uuid.UUID
	Kind string
}

// Intake is a validated request as it arrived.
type Intake struct {
	ControllerID   string
	Kinds          []string
	Channel        string
	ReceivedOn     time.Time
	Language       string
	Subject        Subject
	Details        json.RawMessage
	IdentityMethod string
	IdentityBy     string
	RegisteredBy   string
	IdempotencyKey string
	// DueOn and StatutoryDueOn are written at once, so lists sort right
	// before the workflow's first projection.
	DueOn, StatutoryDueOn time.Time
}

// Result is what was written (or found, for a repeated Idempotency-Key).
type Result struct {
	Requests    []store.Request
	GroupID     *uuid.UUID
	StatusToken string
	// Replayed is true when the Idempotency-Key matched an earlier intake.
	Replayed bool
}

// Service writes intakes.
type Service struct {
	Store *store.Store
	Keys  *crypto.Keyring
}

// ErrIdempotencyMismatch is a repeated Idempotency-Key with other rights.
var ErrIdempotencyMismatch = errors.New("intake: the Idempotency-Key was used for a different request")

// HashToken is how a status token is kept: only its hash is stored.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Register writes the intake in one transaction. With an Idempotency-Key
// already used for this controller it writes nothing and returns the
// earlier requests.
func (s *Service) Register(ctx context.Context, in Intake) (Result, error) {
	var res Result
	digest, err := s.digest(in)
	if err != nil {
		return Result{}, err
	}
	err = s.Store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if in.IdempotencyKey != "" {
			// Serialise intakes with the same key, so two at once write once.
			if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", in.ControllerID+"|"+in.IdempotencyKey).Error; err != nil {
				return err
			}
			var existing []store.Request
			if err := tx.Where("controller_id = ? AND idempotency_key LIKE ?", in.ControllerID, escapeLike(in.IdempotencyKey)+"/%").
				Order("created_at, kind").Find(&existing).Error; err != nil {
				return err
			}
			if len(existing) > 0 {
				if !sameKinds(existing, in.Kinds) || !bytes.Equal(existing[0].IntakeDigest, digest) {
					return ErrIdempotencyMismatch
				}
				res = Result{Requests: existing, GroupID: existing[0].GroupID, Replayed: true}
				return nil
			}
		}
		subjectID := uuid.New()
		key, wrapped, keyID, err := s.Keys.NewDataKey()
		if err != nil {
			return err
		}
		pii, err := json.Marshal(in.Subject)
		if err != nil {
			return err
		}
		sealed, err := crypto.Seal(key, pii, subjectID[:])
		if err != nil {
			return err
		}
		if err := tx.Create(&store.Subject{ID: subjectID, ControllerID: in.ControllerID, KeyID: keyID, DataKey: wrapped, PII: sealed}).Error; err != nil {
			return err
		}
		for kind, value := range in.Subject.Identifiers() {
			if err := tx.Create(&store.SubjectIdentifier{SubjectID: subjectID, Kind: kind, BlindIndex: s.Keys.BlindIndex(kind, value)}).Error; err != nil {
				return err
			}
		}
		token := newToken()
		res.StatusToken = token
		if len(in.Kinds) > 1 {
			g := uuid.New()
			res.GroupID = &g
		}
		for i, kind := range in.Kinds {
			id := uuid.New()
			ref, err := store.NextReference(tx, in.ReceivedOn)
			if err != nil {
				return err
			}
			row := store.Request{
				ID: id, Reference: ref, ControllerID: in.ControllerID, SubjectID: &subjectID, GroupID: res.GroupID,
				Kind: kind, Channel: in.Channel, Language: in.Language, Stage: "received", ReceivedOn: in.ReceivedOn,
				RegisteredBy: in.RegisteredBy, IntakeDigest: digest,
			}
			if !in.DueOn.IsZero() {
				row.DueOn, row.StatutoryDueOn = &in.DueOn, &in.StatutoryDueOn
			}
			if in.IdempotencyKey != "" {
				k := in.IdempotencyKey + "/" + kind
				row.IdempotencyKey = &k
			}
			if i == 0 {
				// One status link follows the whole letter; sealed, it goes
				// into the receipt.
				row.StatusTokenHash = HashToken(token)
				if row.StatusTokenSealed, err = crypto.Seal(key, []byte(token), id[:]); err != nil {
					return err
				}
			}
			if in.IdentityMethod != "" {
				row.IntakeIdentity, row.IntakeIdentityBy = &in.IdentityMethod, &in.IdentityBy
			}
			if len(in.Details) > 0 {
				if row.Details, err = crypto.Seal(key, in.Details, id[:]); err != nil {
					return err
				}
			}
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
			res.Requests = append(res.Requests, row)
		}
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("intake: %w", err)
	}
	return res, nil
}

// digest is a keyed hash of everything the intake asked: keyed, because a
// plain hash of a CPR number could be reversed by trying them all.
func (s *Service) digest(in Intake) ([]byte, error) {
	canon := in
	canon.IdempotencyKey = ""
	b, err := json.Marshal(canon)
	if err != nil {
		return nil, err
	}
	return s.Keys.BlindIndex("intake", string(b)), nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func sameKinds(rows []store.Request, kinds []string) bool {
	if len(rows) != len(kinds) {
		return false
	}
	have := map[string]bool{}
	for _, r := range rows {
		have[r.Kind] = true
	}
	for _, k := range kinds {
		if !have[k] {
			return false
		}
	}
	return true
}

// OpenSubject decrypts a subject's personal data and returns its data key,
// to seal what is written about the subject (letters) under the same key.
func (s *Service) OpenSubject(ctx context.Context, id uuid.UUID) (Subject, []byte, error) {
	return s.subject(ctx, id)
}

// StatusToken returns the status link's token of a request's letter (the
// first request of its group holds it), or "" when there is none.
func (s *Service) StatusToken(ctx context.Context, r store.Request, key []byte) (string, error) {
	holder := r
	if len(holder.StatusTokenSealed) == 0 && r.GroupID != nil {
		if err := s.Store.DB.WithContext(ctx).Where("group_id = ? AND status_token_sealed IS NOT NULL", *r.GroupID).
			Limit(1).Find(&holder).Error; err != nil {
			return "", err
		}
	}
	if len(holder.StatusTokenSealed) == 0 {
		return "", nil
	}
	tok, err := crypto.Open(key, holder.StatusTokenSealed, holder.ID[:])
	return string(tok), err
}

// LoadSubject decrypts a subject's personal data.
func (s *Service) LoadSubject(ctx context.Context, id uuid.UUID) (Subject, error) {
	subj, _, err := s.subject(ctx, id)
	return subj, err
}

// OpenRequest decrypts what a request holds: its subject and its details
// (null when it has none), with one read of the subject and one unwrap.
func (s *Service) OpenRequest(ctx context.Context, r store.Request) (Subject, json.RawMessage, error) {
	if r.SubjectID == nil {
		return Subject{}, nil, errors.New("intake: the request has no subject")
	}
	subj, key, err := s.subject(ctx, *r.SubjectID)
	if err != nil || len(r.Details) == 0 {
		return subj, nil, err
	}
	details, err := crypto.Open(key, r.Details, r.ID[:])
	return subj, details, err
}

// ErrErased is a subject whose personal data was erased after retention.
var ErrErased = errors.New("intake: the subject's personal data was erased")

func (s *Service) subject(ctx context.Context, id uuid.UUID) (Subject, []byte, error) {
	var row store.Subject
	if err := s.Store.DB.WithContext(ctx).First(&row, "id = ?", id).Error; err != nil {
		return Subject{}, nil, err
	}
	if row.ErasedAt != nil {
		return Subject{}, nil, ErrErased
	}
	key, err := s.Keys.Unwrap(row.KeyID, row.DataKey)
	if err != nil {
		return Subject{}, nil, err
	}
	plain, err := crypto.Open(key, row.PII, row.ID[:])
	if err != nil {
		return Subject{}, nil, err
	}
	var subj Subject
	return subj, key, json.Unmarshal(plain, &subj)
}

// RequestsByIdentifier returns the IDs of every request whose subject gave
// this identifier (normalise it first), through the blind index: nothing is
// decrypted.
func (s *Service) RequestsByIdentifier(ctx context.Context, kind, value string) ([]store.Request, error) {
	var rows []store.Request
	err := s.Store.DB.WithContext(ctx).
		Where("subject_id IN (SELECT subject_id FROM subject_identifiers WHERE kind = ? AND blind_index = ?)", kind, s.Keys.BlindIndex(kind, value)).
		Order("received_on, id").Find(&rows).Error
	return rows, err
}

// sameSubject is the SQL condition that a request's subject is the person
// of subject ?: the same subject row, or one that gave any of the same
// identifiers (e-mail, CPR, personnummer, phone), matched by blind index.
const sameSubject = `(subject_id = ? OR subject_id IN (
	SELECT other.subject_id FROM subject_identifiers mine
	JOIN subject_identifiers other ON other.kind = mine.kind AND other.blind_index = mine.blind_index
	WHERE mine.subject_id = ?))`

// PendingFor returns the open requests other than r of the same person at
// r's controller, found by every identifier the person gave. Data they
// concern must not be erased (LEGAL.md §4: a DK controller was fined for
// deleting data during a pending access request).
func (s *Service) PendingFor(ctx context.Context, r store.Request) ([]store.Request, error) {
	if r.SubjectID == nil {
		return nil, nil
	}
	var rows []store.Request
	err := s.Store.DB.WithContext(ctx).
		Where("id <> ? AND controller_id = ?", r.ID, r.ControllerID).
		Where("closed_at IS NULL AND stage NOT IN ('closed', 'withdrawn', 'forwarded')").
		Where(sameSubject, *r.SubjectID, *r.SubjectID).
		Order("received_on, id").Find(&rows).Error
	return rows, err
}

// SamePerson returns every request of the person of r at r's controller,
// r among them, found by every identifier the person gave.
func (s *Service) SamePerson(ctx context.Context, r store.Request) ([]store.Request, error) {
	if r.SubjectID == nil {
		return []store.Request{r}, nil
	}
	var rows []store.Request
	err := s.Store.DB.WithContext(ctx).Where("controller_id = ?", r.ControllerID).
		Where(sameSubject, *r.SubjectID, *r.SubjectID).Order("received_on, id").Find(&rows).Error
	return rows, err
}

// OtherRequestsLastYear counts the letters the same person sent this
// controller in the twelve months before r was received, and since, other
// than r's own: the facts Art. 12(5) needs (a request once a year is never
// manifestly excessive).
func (s *Service) OtherRequestsLastYear(ctx context.Context, r store.Request) (int, error) {
	if r.SubjectID == nil {
		return 0, nil
	}
	db := s.Store.DB.WithContext(ctx).Model(&store.Request{}).
		Where("id <> ? AND controller_id = ? AND received_on > ?", r.ID, r.ControllerID, deadline.AddMonths(r.ReceivedOn, -12)).
		Where(sameSubject, *r.SubjectID, *r.SubjectID)
	if r.GroupID != nil {
		db = db.Where("group_id IS DISTINCT FROM ?", *r.GroupID)
	}
	var n int64
	err := db.Select("count(DISTINCT COALESCE(group_id, id))").Scan(&n).Error
	return int(n), err
}

// Rewrap wraps every subject's data key again with the current master key,
// so an old master key can be retired. It works in batches and can be run
// again after an interruption.
func (s *Service) Rewrap(ctx context.Context) (int, error) {
	current := s.Keys.CurrentKeyID()
	total := 0
	for {
		var batch []store.Subject
		err := s.Store.DB.WithContext(ctx).Where("key_id <> ? AND erased_at IS NULL", current).Order("id").Limit(500).Find(&batch).Error
		if err != nil {
			return total, fmt.Errorf("intake: rewrap: %w", err)
		}
		if len(batch) == 0 {
			return total, nil
		}
		err = s.Store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			for _, subj := range batch {
				wrapped, keyID, err := s.Keys.Rewrap(subj.KeyID, subj.DataKey)
				if err != nil {
					return fmt.Errorf("subject %s under key %q: %w", subj.ID, subj.KeyID, err)
				}
				if err := tx.Model(&store.Subject{}).Where("id = ? AND key_id = ?", subj.ID, subj.KeyID).
					Updates(map[string]any{"key_id": keyID, "data_key": wrapped}).Error; err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("intake: rewrap: %w", err)
		}
		total += len(batch)
	}
}
