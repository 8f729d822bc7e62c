package crypto

import (
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// Metadata of an encrypted Temporal payload.
const (
	codecEncoding = "binary/encrypted"
	metaKeyID     = "encryption-key-id"
)

// Codec encrypts every Temporal payload (inputs, results, Update arguments,
// failure messages) so free text that may hold personal data never reaches
// Temporal's store in clear. Its key derives from the current master key;
// payloads written under an older master key still decode.
type Codec struct {
	Keys *Keyring
}

var _ converter.PayloadCodec = Codec{}

func (c Codec) key(keyID string) ([]byte, error) {
	return c.Keys.DerivedKey(keyID, "temporal-payload")
}

// Encode encrypts payloads.
func (c Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	keyID := c.Keys.CurrentKeyID()
	key, err := c.key(keyID)
	if err != nil {
		return nil, err
	}
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("crypto: codec: %w", err)
		}
		sealed, err := Seal(key, plain, []byte(keyID))
		if err != nil {
			return nil, err
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{converter.MetadataEncoding: []byte(codecEncoding), metaKeyID: []byte(keyID)},
			Data:     sealed,
		}
	}
	return out, nil
}

// ErrNotEncrypted is a payload that should have been encrypted and was not:
// it did not come through a client with this codec (say, a CLI call with
// plain JSON), and is refused rather than trusted.
var ErrNotEncrypted = errors.New("crypto: codec: the payload is not encrypted; send it through a client with the rightsdesk codec")

// Decode decrypts payloads Encode made and refuses any other.
func (c Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != codecEncoding {
			return nil, ErrNotEncrypted
		}
		keyID := string(p.GetMetadata()[metaKeyID])
		key, err := c.key(keyID)
		if err != nil {
			return nil, err
		}
		plain, err := Open(key, p.GetData(), []byte(keyID))
		if err != nil {
			return nil, err
		}
		out[i] = &commonpb.Payload{}
		if err := proto.Unmarshal(plain, out[i]); err != nil {
			return nil, fmt.Errorf("crypto: codec: %w", err)
		}
	}
	return out, nil
}

// DataConverter is the SDK's default converter with every payload encrypted.
func (c Codec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}
