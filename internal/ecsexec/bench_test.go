package ecsexec_test

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"testing"

	"github.com/google/uuid"

	"github.com/ecscheck/ecscheck/internal/ecsexec"
	"github.com/ecscheck/ecscheck/internal/ecsexec/fakeagent"
)

func benchFrame() ecsexec.Frame {
	return ecsexec.Frame{
		MessageType: ecsexec.MessageOutputStreamData, SchemaVersion: 1, CreatedDate: 1700000000000,
		SequenceNumber: 12345, MessageID: uuid.New(), PayloadType: ecsexec.PayloadOutput,
		Payload: bytes.Repeat([]byte("x"), 1024),
	}
}

// BenchmarkFrameEncode: frames/s for 1 KiB payloads into a reused buffer.
func BenchmarkFrameEncode(b *testing.B) {
	f := benchFrame()
	buf := make([]byte, 0, f.EncodedLen())
	b.SetBytes(int64(f.EncodedLen()))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = f.AppendBinary(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

// BenchmarkFrameDecode: frames/s for 1 KiB payloads, digest checked.
func BenchmarkFrameDecode(b *testing.B) {
	f := benchFrame()
	data, _ := f.MarshalBinary()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ecsexec.DecodeFrame(data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

// BenchmarkSession10MiB streams 10 MiB of command output through the fake agent on
// loopback: MiB/s is the client's end-to-end throughput; allocs/frame counts the
// allocations of both ends (they share the process) per output frame.
func BenchmarkSession10MiB(b *testing.B) {
	for _, mode := range []fakeagent.Mode{fakeagent.ModePlain, fakeagent.ModeHandshakeKMS} {
		b.Run(mode.String(), func(b *testing.B) {
			h := newHarness(b)
			body := bytes.Repeat([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n"), 10<<20/64)
			exec := func(context.Context, string) ([]byte, error) { return body, nil }
			c := ecsexec.Client{KMS: h.kms, MaxOutputBytes: 16 << 20}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			var frames, mallocs uint64
			var ms runtime.MemStats
			for b.Loop() {
				s := h.session(fakeagent.SessionConfig{SessionID: "bench-" + uuid.NewString(), Command: "cat big", Executor: exec, Mode: mode})
				runtime.ReadMemStats(&ms)
				before := ms.Mallocs
				n := &countingWriter{}
				if err := c.Stream(context.Background(), s, n); err != nil {
					b.Fatal(err)
				}
				runtime.ReadMemStats(&ms)
				mallocs += ms.Mallocs - before
				if n.n < int64(len(body)) {
					b.Fatalf("received %d bytes, want at least %d", n.n, len(body))
				}
				frames += uint64(h.stats(s.SessionID).OutputFrames)
			}
			b.ReportMetric(float64(mallocs)/float64(frames), "allocs/frame")
			b.ReportMetric(float64(b.N)*float64(len(body))/(1<<20)/b.Elapsed().Seconds(), "MiB/s")
		})
	}
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countingWriter)(nil)
