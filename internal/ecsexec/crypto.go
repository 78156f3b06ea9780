package ecsexec

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// KMSAPI is the part of the KMS client the handshake needs (the SDK's signature).
type KMSAPI interface {
	GenerateDataKey(ctx context.Context, params *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
}

// KMS data key layout: 64 bytes, the first half the agent's sending key (so the
// client's receiving key), the second half the client's sending key.
const (
	dataKeyBytes = 64
	gcmNonceSize = 12
)

// Encryption context keys the agent uses when it decrypts the data key.
const (
	EncryptionContextSessionID = "aws:ssm:SessionId"
	EncryptionContextTargetID  = "aws:ssm:TargetId"
)

// sessionCipher encrypts and decrypts stream payloads with AES-256-GCM; each payload
// is nonce || sealed data.
type sessionCipher struct {
	dec, enc cipher.AEAD
}

// newClientCipher splits a 64-byte data key into the client's two AES-GCM keys.
func newClientCipher(key []byte) (*sessionCipher, error) {
	if len(key) != dataKeyBytes {
		return nil, fmt.Errorf("data key has %d bytes, want %d", len(key), dataKeyBytes)
	}
	dec, err := newGCM(key[:dataKeyBytes/2])
	if err != nil {
		return nil, err
	}
	enc, err := newGCM(key[dataKeyBytes/2:])
	if err != nil {
		return nil, err
	}
	return &sessionCipher{dec: dec, enc: enc}, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// decrypt opens b in place (b is owned by the caller and not used afterwards).
func (c *sessionCipher) decrypt(b []byte) ([]byte, error) {
	if len(b) < gcmNonceSize+c.dec.Overhead() {
		return nil, errors.New("ciphertext shorter than nonce and tag")
	}
	return c.dec.Open(b[gcmNonceSize:gcmNonceSize], b[:gcmNonceSize], b[gcmNonceSize:], nil)
}

func (c *sessionCipher) encrypt(plain []byte) ([]byte, error) {
	out := make([]byte, gcmNonceSize, gcmNonceSize+len(plain)+c.enc.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, err
	}
	return c.enc.Seal(out, out[:gcmNonceSize], plain, nil), nil
}

// generateDataKey asks KMS for the session's data key under the encryption context
// the agent will use to decrypt it.
func generateDataKey(ctx context.Context, api KMSAPI, keyID string, s Session) (plain, blob []byte, err error) {
	n := int32(dataKeyBytes)
	out, err := api.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId:         &keyID,
		NumberOfBytes: &n,
		EncryptionContext: map[string]string{
			EncryptionContextSessionID: s.SessionID,
			EncryptionContextTargetID:  s.TargetID,
		},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("kms:GenerateDataKey: %w", err)
	}
	if len(out.Plaintext) != dataKeyBytes || len(out.CiphertextBlob) == 0 {
		return nil, nil, fmt.Errorf("kms:GenerateDataKey returned a %d-byte key and a %d-byte blob", len(out.Plaintext), len(out.CiphertextBlob))
	}
	return out.Plaintext, out.CiphertextBlob, nil
}
