package fakeagent

import (
	"strings"
	"testing"
)

func TestToPTY(t *testing.T) {
	if got := string(toPTY([]byte("a\nb\r\n\n"))); got != "a\r\nb\r\r\n\r\n" {
		t.Fatalf("%q", got)
	}
}

func TestChunks(t *testing.T) {
	c := chunks([]byte(strings.Repeat("x", 2500)), 1024)
	if len(c) != 3 || len(c[0]) != 1024 || len(c[2]) != 452 {
		t.Fatalf("%d chunks", len(c))
	}
	if chunks(nil, 1024) != nil {
		t.Fatal("chunks of nothing")
	}
}
