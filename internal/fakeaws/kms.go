package fakeaws

import (
	"context"
	"crypto/rand"
	"errors"
	"maps"
	"strings"
	"sync"
)

func init() {
	register("kms", map[string]handler{
		"GenerateDataKey": kmsGenerateDataKey,
		"Decrypt":         kmsDecrypt,
	})
	register("ssm", map[string]handler{
		"TerminateSession": ssmTerminateSession,
	})
}

// kmsStore remembers the data keys it issued: ciphertext → plaintext, key
// and encryption context. Its own lock lets the exec agent decrypt without
// the server lock.
type kmsStore struct {
	mu   sync.Mutex
	keys map[string]issuedKey
}

type issuedKey struct {
	keyARN    string
	plaintext []byte
	context   map[string]string
}

func newKMSStore() *kmsStore { return &kmsStore{keys: map[string]issuedKey{}} }

var errInvalidCiphertext = errors.New("InvalidCiphertextException")

func (k *kmsStore) issue(keyARN string, n int, ctx map[string]string) (ciphertext, plaintext []byte) {
	plaintext = make([]byte, n)
	rand.Read(plaintext)
	ciphertext = make([]byte, 96)
	rand.Read(ciphertext)
	ciphertext[0] = 1
	k.mu.Lock()
	k.keys[string(ciphertext)] = issuedKey{keyARN, plaintext, maps.Clone(ctx)}
	k.mu.Unlock()
	return ciphertext, plaintext
}

// decrypt returns the plaintext of a ciphertext issued with the same
// encryption context, as KMS requires.
func (k *kmsStore) decrypt(ciphertext []byte, ctx map[string]string) (issuedKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	ik, ok := k.keys[string(ciphertext)]
	if !ok || !maps.Equal(ik.context, ctx) {
		return issuedKey{}, errInvalidCiphertext
	}
	return ik, nil
}

// KMSDecrypt is the decrypter handed to the fake exec agent.
func (s *Server) KMSDecrypt(_ context.Context, ciphertext []byte, encCtx map[string]string) ([]byte, error) {
	ik, err := s.kms.decrypt(ciphertext, encCtx)
	return ik.plaintext, err
}

func kmsKeyARN(region, acct, id string) string {
	return "arn:aws:kms:" + region + ":" + acct + ":key/" + id
}

// kmsKey resolves a key ID, key ARN, alias name or alias ARN.
func (rq *request) kmsKey(ref string) (string, error) {
	for _, k := range rq.acct.KMSKeys {
		if k.Region != rq.region {
			continue
		}
		arn := kmsKeyARN(k.Region, rq.acct.ID, k.ID)
		if ref == k.ID || ref == arn {
			return arn, nil
		}
		for _, al := range k.Aliases {
			if ref == al || ref == "arn:aws:kms:"+k.Region+":"+rq.acct.ID+":"+al {
				return arn, nil
			}
		}
	}
	if strings.HasPrefix(ref, "alias/") || strings.Contains(ref, ":alias/") {
		if !strings.HasPrefix(ref, "arn:") {
			ref = "arn:aws:kms:" + rq.region + ":" + rq.acct.ID + ":" + ref
		}
		return "", errf(400, "NotFoundException", "Alias %s is not found.", ref)
	}
	if !strings.HasPrefix(ref, "arn:") {
		ref = kmsKeyARN(rq.region, rq.acct.ID, ref)
	}
	return "", errf(400, "NotFoundException", "Key '%s' does not exist", ref)
}

func kmsGenerateDataKey(s *Server, rq *request) (any, error) {
	var in struct {
		KeyId             string            `json:"KeyId"`
		KeySpec           string            `json:"KeySpec"`
		NumberOfBytes     int               `json:"NumberOfBytes"`
		EncryptionContext map[string]string `json:"EncryptionContext"`
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	arn, err := rq.kmsKey(in.KeyId)
	if err != nil {
		return nil, err
	}
	n := in.NumberOfBytes
	switch {
	case in.KeySpec == "AES_128":
		n = 16
	case in.KeySpec == "AES_256", n == 0 && in.KeySpec == "":
		n = 32
	}
	if n < 1 || n > 1024 {
		return nil, errf(400, "ValidationException", "NumberOfBytes must be between 1 and 1024")
	}
	ct, pt := s.kms.issue(arn, n, in.EncryptionContext)
	// []byte fields are base64 in JSON, as KMS sends blobs.
	return map[string]any{"CiphertextBlob": ct, "Plaintext": pt, "KeyId": arn}, nil
}

func kmsDecrypt(s *Server, rq *request) (any, error) {
	var in struct {
		CiphertextBlob    []byte            `json:"CiphertextBlob"`
		EncryptionContext map[string]string `json:"EncryptionContext"`
		KeyId             string            `json:"KeyId"`
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	ik, err := s.kms.decrypt(in.CiphertextBlob, in.EncryptionContext)
	if err != nil {
		return nil, errf(400, "InvalidCiphertextException", "")
	}
	if in.KeyId != "" {
		if arn, err := rq.kmsKey(in.KeyId); err != nil || arn != ik.keyARN {
			return nil, errf(400, "IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.")
		}
	}
	return map[string]any{"KeyId": ik.keyARN, "Plaintext": ik.plaintext, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}, nil
}

func ssmTerminateSession(s *Server, rq *request) (any, error) {
	var in struct {
		SessionId string `json:"SessionId"`
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	delete(s.sessionsOf, in.SessionId)
	return map[string]any{"SessionId": in.SessionId}, nil
}
