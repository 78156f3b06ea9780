package fakeagent

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// KMS is a small stand-in for the two AWS KMS calls an encrypted session makes:
// GenerateDataKey by the client and Decrypt by the agent. Its ciphertext blobs are
// sealed under a random master key with the encryption context bound in, so a blob
// decrypts only under the context it was generated with, as in KMS.
//
// It can be used in-process (GenerateDataKey satisfies ecsexec.KMSAPI, Decrypt is a
// KMSDecrypter) or over HTTP with the awsJson1_1 protocol (ServeHTTP), for SDK clients
// such as the real session-manager-plugin.
type KMS struct {
	master cipher.AEAD
}

// NewKMS returns a KMS with a fresh master key.
func NewKMS() *KMS {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic(err)
	}
	k, err := gcm(key)
	if err != nil {
		panic(err)
	}
	return &KMS{master: k}
}

// GenerateDataKey returns a random key and its blob.
func (k *KMS) GenerateDataKey(_ context.Context, in *kms.GenerateDataKeyInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	if in.KeyId == nil || *in.KeyId == "" {
		return nil, errors.New("ValidationException: KeyId is required")
	}
	n := int32(32)
	if in.NumberOfBytes != nil {
		n = *in.NumberOfBytes
	}
	if n < 1 || n > 1024 {
		return nil, fmt.Errorf("ValidationException: NumberOfBytes %d out of range", n)
	}
	plain := make([]byte, n)
	_, _ = rand.Read(plain)
	blob := k.seal(*in.KeyId, plain, in.EncryptionContext)
	keyID := *in.KeyId
	return &kms.GenerateDataKeyOutput{KeyId: &keyID, Plaintext: plain, CiphertextBlob: blob}, nil
}

// Decrypt opens a blob from GenerateDataKey; it fails if the context differs.
func (k *KMS) Decrypt(_ context.Context, blob []byte, encryptionContext map[string]string) ([]byte, error) {
	_, plain, err := k.open(blob, encryptionContext)
	return plain, err
}

// Blob layout: len(keyID) (1 byte) | keyID | nonce | sealed key.
func (k *KMS) seal(keyID string, plain []byte, ec map[string]string) []byte {
	id := keyID[:min(len(keyID), 255)]
	out := append([]byte{byte(len(id))}, id...)
	nonce := make([]byte, k.master.NonceSize())
	_, _ = rand.Read(nonce)
	out = append(out, nonce...)
	return k.master.Seal(out, nonce, plain, canonicalContext(id, ec))
}

func (k *KMS) open(blob []byte, ec map[string]string) (string, []byte, error) {
	invalid := errors.New("InvalidCiphertextException: the ciphertext or its encryption context is invalid")
	if len(blob) < 1 || len(blob) < 1+int(blob[0])+k.master.NonceSize() {
		return "", nil, invalid
	}
	id := string(blob[1 : 1+blob[0]])
	rest := blob[1+blob[0]:]
	ns := k.master.NonceSize()
	plain, err := k.master.Open(nil, rest[:ns], rest[ns:], canonicalContext(id, ec))
	if err != nil {
		return "", nil, invalid
	}
	return id, plain, nil
}

// canonicalContext binds the key ID and the sorted context into the seal.
func canonicalContext(keyID string, ec map[string]string) []byte {
	keys := make([]string, 0, len(ec))
	for k := range ec {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(keyID)
	for _, k := range keys {
		fmt.Fprintf(&b, "\x00%s\x00%s", k, ec[k])
	}
	return []byte(b.String())
}

// ServeHTTP answers TrentService.GenerateDataKey and TrentService.Decrypt in the
// awsJson1_1 protocol. Requests are not signature-checked.
func (k *KMS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		kmsError(w, "SerializationException", err.Error())
		return
	}
	switch r.Header.Get("X-Amz-Target") {
	case "TrentService.GenerateDataKey":
		var in struct {
			KeyId             string
			NumberOfBytes     *int32
			EncryptionContext map[string]string
		}
		if err := json.Unmarshal(body, &in); err != nil {
			kmsError(w, "SerializationException", err.Error())
			return
		}
		out, err := k.GenerateDataKey(r.Context(), &kms.GenerateDataKeyInput{KeyId: &in.KeyId, NumberOfBytes: in.NumberOfBytes, EncryptionContext: in.EncryptionContext})
		if err != nil {
			kmsError(w, "ValidationException", err.Error())
			return
		}
		kmsReply(w, map[string]any{"KeyId": *out.KeyId, "Plaintext": out.Plaintext, "CiphertextBlob": out.CiphertextBlob})
	case "TrentService.Decrypt":
		var in struct {
			CiphertextBlob    []byte
			EncryptionContext map[string]string
		}
		if err := json.Unmarshal(body, &in); err != nil {
			kmsError(w, "SerializationException", err.Error())
			return
		}
		id, plain, err := k.open(in.CiphertextBlob, in.EncryptionContext)
		if err != nil {
			kmsError(w, "InvalidCiphertextException", err.Error())
			return
		}
		kmsReply(w, map[string]any{"KeyId": id, "Plaintext": plain})
	default:
		kmsError(w, "UnknownOperationException", "unsupported operation "+r.Header.Get("X-Amz-Target"))
	}
}

func kmsReply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(v)
}

func kmsError(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}
