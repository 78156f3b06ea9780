package fakeagent

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

var ec = map[string]string{"aws:ssm:SessionId": "s-1", "aws:ssm:TargetId": "ecs:c_t_r"}

func TestKMSBindsEncryptionContext(t *testing.T) {
	k := NewKMS()
	out, err := k.GenerateDataKey(context.Background(), &kms.GenerateDataKeyInput{KeyId: aws.String("alias/x"), NumberOfBytes: aws.Int32(64), EncryptionContext: ec})
	if err != nil || len(out.Plaintext) != 64 {
		t.Fatalf("%v %d", err, len(out.Plaintext))
	}
	plain, err := k.Decrypt(context.Background(), out.CiphertextBlob, ec)
	if err != nil || !bytes.Equal(plain, out.Plaintext) {
		t.Fatalf("decrypt under the same context: %v", err)
	}
	other := map[string]string{"aws:ssm:SessionId": "s-1", "aws:ssm:TargetId": "ecs:other"}
	if _, err := k.Decrypt(context.Background(), out.CiphertextBlob, other); err == nil {
		t.Fatal("decrypted under another encryption context")
	}
	if _, err := NewKMS().Decrypt(context.Background(), out.CiphertextBlob, ec); err == nil {
		t.Fatal("another KMS (master key) decrypted the blob")
	}
	if _, err := k.Decrypt(context.Background(), []byte{200}, ec); err == nil {
		t.Fatal("garbage blob accepted")
	}
}

// The HTTP face speaks the protocol the real AWS SDK uses, so that SDK clients (the
// session-manager-plugin among them) can generate keys against it.
func TestKMSOverHTTPWithTheSDK(t *testing.T) {
	k := NewKMS()
	srv := httptest.NewServer(k)
	defer srv.Close()
	client := kms.New(kms.Options{
		Region:       "ap-northeast-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	})
	ctx := context.Background()
	out, err := client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String("alias/x"), NumberOfBytes: aws.Int32(64), EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := client.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob, EncryptionContext: ec})
	if err != nil || !bytes.Equal(dec.Plaintext, out.Plaintext) {
		t.Fatalf("round trip through the SDK: %v", err)
	}
	_, err = client.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob})
	if err == nil {
		t.Fatal("decrypt without the context succeeded")
	}
}
