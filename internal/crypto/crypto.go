// Package crypto protects personal data at rest: AES-256-GCM with a data key
// per subject, wrapped by a master key from configuration (several master
// keys may be configured, so they can be rotated), and keyed blind indexes
// (HMAC-SHA256) so identifiers can be looked up without decrypting.
package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the size of every key: AES-256.
const KeySize = 32

// ErrDecrypt is returned for anything that does not decrypt: a wrong key,
// tampered data, an unknown key ID. It says nothing more, on purpose.
var ErrDecrypt = errors.New("crypto: cannot decrypt")

// Keyring holds the master keys and the blind-index key.
type Keyring struct {
	current string
	masters map[string][]byte
	index   []byte
}

// ParseKeyring reads master keys as comma-separated `id:base64` pairs (the
// first is used for new data keys; the others only unwrap old ones) and a
// base64 blind-index key. Every key is 32 bytes.
func ParseKeyring(masterKeys, indexKey string) (*Keyring, error) {
	k := &Keyring{masters: map[string][]byte{}}
	for i, item := range strings.Split(masterKeys, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		id, b64, ok := strings.Cut(item, ":")
		if !ok || id == "" {
			return nil, fmt.Errorf("crypto: master key %d must be id:base64", i+1)
		}
		key, err := decodeKey(b64)
		if err != nil {
			return nil, fmt.Errorf("crypto: master key %q: %w", id, err)
		}
		if _, dup := k.masters[id]; dup {
			return nil, fmt.Errorf("crypto: master key id %q given twice", id)
		}
		k.masters[id] = key
		if k.current == "" {
			k.current = id
		}
	}
	if k.current == "" {
		return nil, errors.New("crypto: no master key configured (RIGHTSDESK_MASTER_KEYS)")
	}
	idx, err := decodeKey(indexKey)
	if err != nil {
		return nil, fmt.Errorf("crypto: blind index key (RIGHTSDESK_BLIND_INDEX_KEY): %w", err)
	}
	k.index = idx
	return k, nil
}

func decodeKey(b64 string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return nil, errors.New("not base64")
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("must be %d bytes, is %d", KeySize, len(key))
	}
	return key, nil
}

// NewKey returns a random key, base64-encoded, for configuration.
func NewKey() string {
	b := make([]byte, KeySize)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// CurrentKeyID is the master key that wraps new data keys.
func (k *Keyring) CurrentKeyID() string { return k.current }

// NewDataKey makes a data key and returns it with its wrapped form and the
// ID of the master key that wrapped it.
func (k *Keyring) NewDataKey() (key, wrapped []byte, keyID string, err error) {
	key = make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, nil, "", err
	}
	wrapped, err = Seal(k.masters[k.current], key, []byte("datakey:"+k.current))
	return key, wrapped, k.current, err
}

// Unwrap returns the data key wrapped by master key keyID.
func (k *Keyring) Unwrap(keyID string, wrapped []byte) ([]byte, error) {
	master, ok := k.masters[keyID]
	if !ok {
		return nil, ErrDecrypt
	}
	return Open(master, wrapped, []byte("datakey:"+keyID))
}

// Rewrap wraps a data key again with the current master key (rotation).
func (k *Keyring) Rewrap(keyID string, wrapped []byte) (newWrapped []byte, newKeyID string, err error) {
	key, err := k.Unwrap(keyID, wrapped)
	if err != nil {
		return nil, "", err
	}
	newWrapped, err = Seal(k.masters[k.current], key, []byte("datakey:"+k.current))
	return newWrapped, k.current, err
}

// BlindIndex is a keyed hash of an identifier of a kind, for lookups.
// Callers normalise the value first (e-mail lower-cased, numbers canonical).
func (k *Keyring) BlindIndex(kind, value string) []byte {
	m := hmac.New(sha256.New, k.index)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)
}

// DerivedKey derives a purpose-bound key from master key keyID.
func (k *Keyring) DerivedKey(keyID, purpose string) ([]byte, error) {
	master, ok := k.masters[keyID]
	if !ok {
		return nil, ErrDecrypt
	}
	return hkdf.Key(sha256.New, master, nil, "rightsdesk/"+purpose, KeySize)
}

// Seal encrypts plaintext with key (AES-256-GCM), binding aad; the result is
// nonce || ciphertext.
func Seal(key, plaintext, aad []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(plaintext)+gcm.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return gcm.Seal(nonce, nonce, plaintext, aad), nil
}

// Open decrypts what Seal made.
func Open(key, sealed, aad []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < gcm.NonceSize()+gcm.Overhead() {
		return nil, ErrDecrypt
	}
	plain, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("crypto: %w", err)
	}
	return cipher.NewGCM(block)
}
