package fakeagent

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// agentCipher is the agent's half of session encryption: it sends with the first
// half of the 64-byte data key and receives with the second, the mirror of the client.
type agentCipher struct {
	enc, dec cipher.AEAD
}

const nonceSize = 12

func newAgentCipher(key []byte) (*agentCipher, error) {
	if len(key) != 64 {
		return nil, fmt.Errorf("data key has %d bytes, want 64", len(key))
	}
	enc, err := gcm(key[:32])
	if err != nil {
		return nil, err
	}
	dec, err := gcm(key[32:])
	if err != nil {
		return nil, err
	}
	return &agentCipher{enc: enc, dec: dec}, nil
}

func gcm(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// encrypt returns nonce || ciphertext.
func (c *agentCipher) encrypt(plain []byte) []byte {
	nonce := make([]byte, nonceSize, nonceSize+len(plain)+c.enc.Overhead())
	_, _ = rand.Read(nonce)
	return c.enc.Seal(nonce, nonce[:nonceSize], plain, nil)
}

func (c *agentCipher) decrypt(sealed []byte) ([]byte, error) {
	if len(sealed) < nonceSize {
		return nil, errors.New("ciphertext shorter than its nonce")
	}
	return c.dec.Open(nil, sealed[:nonceSize], sealed[nonceSize:], nil)
}
