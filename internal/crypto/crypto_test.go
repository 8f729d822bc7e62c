package crypto

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
)

func keyring(t *testing.T, masters string) *Keyring {
	t.Helper()
	k, err := ParseKeyring(masters, NewKey())
	require.NoError(t, err)
	return k
}

func TestSealOpen(t *testing.T) {
	key := make([]byte, KeySize)
	sealed, err := Seal(key, []byte("0707614285"), []byte("subject-1"))
	require.NoError(t, err)
	require.False(t, bytes.Contains(sealed, []byte("0707614285")))
	plain, err := Open(key, sealed, []byte("subject-1"))
	require.NoError(t, err)
	require.Equal(t, "0707614285", string(plain))
	_, err = Open(key, sealed, []byte("subject-2"))
	require.ErrorIs(t, err, ErrDecrypt, "bound to its subject")
	sealed[len(sealed)-1] ^= 1
	_, err = Open(key, sealed, []byte("subject-1"))
	require.ErrorIs(t, err, ErrDecrypt, "tampering is detected")
	again, _ := Seal(key, []byte("0707614285"), []byte("subject-1"))
	require.NotEqual(t, sealed, again, "a fresh nonce every time")
}

func TestDataKeysAndRotation(t *testing.T) {
	oldKey, newKey := NewKey(), NewKey()
	old := keyring(t, "k1:"+oldKey)
	key, wrapped, id, err := old.NewDataKey()
	require.NoError(t, err)
	require.Equal(t, "k1", id)

	rotated := keyring(t, "k2:"+newKey+",k1:"+oldKey)
	got, err := rotated.Unwrap(id, wrapped)
	require.NoError(t, err, "old data keys unwrap after rotation")
	require.Equal(t, key, got)
	rewrapped, newID, err := rotated.Rewrap(id, wrapped)
	require.NoError(t, err)
	require.Equal(t, "k2", newID)
	got, err = keyring(t, "k2:"+newKey).Unwrap(newID, rewrapped)
	require.NoError(t, err, "after rewrapping, the old master key can go")
	require.Equal(t, key, got)
	_, err = keyring(t, "k2:"+newKey).Unwrap("k1", wrapped)
	require.ErrorIs(t, err, ErrDecrypt)
}

func TestParseKeyring(t *testing.T) {
	for _, bad := range []string{"", "k1", "k1:notbase64!", "k1:AAAA", "k1:" + NewKey() + ",k1:" + NewKey()} {
		_, err := ParseKeyring(bad, NewKey())
		require.Error(t, err, bad)
	}
	_, err := ParseKeyring("k1:"+NewKey(), "short")
	require.ErrorContains(t, err, "RIGHTSDESK_BLIND_INDEX_KEY")
}

func TestBlindIndex(t *testing.T) {
	k := keyring(t, "k1:"+NewKey())
	require.Equal(t, k.BlindIndex("email", "a@b.dk"), k.BlindIndex("email", "a@b.dk"))
	require.NotEqual(t, k.BlindIndex("email", "a@b.dk"), k.BlindIndex("cpr", "a@b.dk"))
	other := keyring(t, "k1:"+NewKey())
	require.NotEqual(t, k.BlindIndex("email", "a@b.dk"), other.BlindIndex("email", "a@b.dk"), "keyed")
}

func TestCodec(t *testing.T) {
	oldKey := NewKey()
	c := Codec{Keys: keyring(t, "k1:"+oldKey)}
	dc := c.DataConverter()
	p, err := dc.ToPayload(map[string]string{"assessment": "Anna Hansen's records"})
	require.NoError(t, err)
	require.False(t, bytes.Contains(p.Data, []byte("Anna")))
	require.Equal(t, "binary/encrypted", string(p.Metadata[converter.MetadataEncoding]))

	rotated := Codec{Keys: keyring(t, "k2:"+NewKey()+",k1:"+oldKey)}
	var back map[string]string
	require.NoError(t, rotated.DataConverter().FromPayload(p, &back))
	require.Equal(t, "Anna Hansen's records", back["assessment"])

	_, err = Codec{Keys: keyring(t, "k3:"+NewKey())}.Decode(nil)
	require.NoError(t, err)

	// A plain payload where an encrypted one is expected is refused, not
	// passed through: it came from a client without the codec.
	plain, err := converter.GetDefaultDataConverter().ToPayload(map[string]string{"outcome": "grant"})
	require.NoError(t, err)
	require.ErrorIs(t, c.DataConverter().FromPayload(plain, &back), ErrNotEncrypted)
}
