package fakeaws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// Differential tests hold the fake against moto (moto_server, an
// independent emulator): the same resources are built in both, the same SDK
// calls are made, and every field the controller reads is compared. Where
// moto departs from AWS's documented behaviour, AWS wins and the test says
// why instead of comparing.

var moto struct {
	once sync.Once
	url  string
	cmd  *exec.Cmd
	log  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if moto.cmd != nil && moto.cmd.Process != nil {
		syscall.Kill(-moto.cmd.Process.Pid, syscall.SIGKILL) //nolint:errcheck
		moto.cmd.Wait()                                      //nolint:errcheck
		if code == 0 {
			os.Remove(moto.log)
		} else {
			fmt.Fprintln(os.Stderr, "moto_server log:", moto.log)
		}
	}
	os.Exit(code)
}

// motoURL starts one moto_server for the package on a free loopback port.
// moto puts every caller in account 123456789012, so each differential
// test works in a region of its own (IAM names are unique per test).
func motoURL(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server not on PATH; CI installs it")
	}
	moto.once.Do(func() {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			moto.err = err
			return
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
		moto.log = filepath.Join(os.TempDir(), fmt.Sprintf("fakeaws-moto-%d.log", port))
		log, _ := os.Create(moto.log)
		cmd.Stdout, cmd.Stderr = log, log
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if moto.err = cmd.Start(); moto.err != nil {
			return
		}
		moto.cmd = cmd
		moto.url = fmt.Sprintf("http://127.0.0.1:%d", port)
		c := sts.NewFromConfig(sdkConfig(moto.url, "AKIDMOTOPROBE", "us-east-1"))
		deadline := time.Now().Add(60 * time.Second)
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			cancel()
			if err == nil {
				return
			}
			if time.Now().After(deadline) {
				moto.err = fmt.Errorf("moto_server did not answer on %s: %w", moto.url, err)
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
	if moto.err != nil {
		t.Fatal(moto.err)
	}
	return moto.url
}

// motoAccount is the only account moto serves.
const motoAccount = "123456789012"

func motoClients(t *testing.T, region string) clients {
	return sdkClients(sdkConfig(motoURL(t), "AKIDMOTO", region))
}

// same fails the test when the two projections differ, showing both.
func same(t *testing.T, what string, motoV, fakeV any) {
	t.Helper()
	if reflect.DeepEqual(motoV, fakeV) {
		return
	}
	m, _ := json.MarshalIndent(motoV, "", "  ")
	f, _ := json.MarshalIndent(fakeV, "", "  ")
	t.Errorf("%s differs\nmoto: %s\nfake: %s", what, m, f)
}

func str(p *string) string { return aws.ToString(p) }

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// compactJSON normalises a JSON document's spacing (moto pretty-prints).
func compactJSON(s string) string {
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}
