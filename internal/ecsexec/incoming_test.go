package ecsexec

import "testing"

func TestIncomingOrdersAndDeduplicates(t *testing.T) {
	in := newIncoming(2, 100)
	fr := func(seq int64, payload string) Frame { return Frame{SequenceNumber: seq, Payload: []byte(payload)} }

	if v := in.accept(fr(1, "b")); v != verdictBuffered {
		t.Fatalf("seq 1 before 0: %v, want buffered", v)
	}
	if v := in.accept(fr(1, "b")); v != verdictDuplicate {
		t.Fatalf("seq 1 again: %v, want duplicate (re-ack)", v)
	}
	if v := in.accept(fr(2, "c")); v != verdictBuffered {
		t.Fatalf("seq 2: %v", v)
	}
	if v := in.accept(fr(3, "d")); v != verdictDropped {
		t.Fatalf("seq 3 with a full buffer: %v, want dropped (no ack, agent resends)", v)
	}
	if in.gaps() != 2 {
		t.Fatalf("gaps = %d", in.gaps())
	}
	if v := in.accept(fr(0, "a")); v != verdictDeliver {
		t.Fatalf("seq 0: %v", v)
	}
	in.advance()
	var got string
	for {
		f, ok := in.popReady()
		if !ok {
			break
		}
		got += string(f.Payload)
		in.advance()
	}
	if got != "bc" || in.expected != 3 || in.gaps() != 0 || in.bufBytes != 0 {
		t.Fatalf("drained %q, expected=%d gaps=%d bytes=%d", got, in.expected, in.gaps(), in.bufBytes)
	}
	if v := in.accept(fr(1, "b")); v != verdictDuplicate {
		t.Fatalf("old seq: %v, want duplicate", v)
	}
}

func TestIncomingBoundsBytes(t *testing.T) {
	in := newIncoming(100, 5)
	if v := in.accept(Frame{SequenceNumber: 1, Payload: []byte("1234")}); v != verdictBuffered {
		t.Fatal(v)
	}
	if v := in.accept(Frame{SequenceNumber: 2, Payload: []byte("56")}); v != verdictDropped {
		t.Fatalf("over the byte bound: %v", v)
	}
}
