package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func TestSoftMemoryLimitFollowsTheContainer(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	write := func(dir, file, content string) string {
		p := filepath.Join(dir, file)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	for _, tc := range []struct {
		name string
		root string
		env  string
		want int64
	}{
		{"cgroup v2, the chart's 256Mi", write(t.TempDir(), "memory.max", "268435456\n"), "", 268435456 / 10 * 9},
		{"cgroup v1", write(t.TempDir(), "memory/memory.limit_in_bytes", "536870912\n"), "", 536870912 / 10 * 9},
		{"no limit", write(t.TempDir(), "memory.max", "max\n"), "", 0},
		{"v1 unlimited", write(t.TempDir(), "memory/memory.limit_in_bytes", "9223372036854771712\n"), "", 0},
		{"no cgroup files", t.TempDir(), "", 0},
		{"GOMEMLIMIT wins", write(t.TempDir(), "memory.max", "268435456\n"), "300MiB", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOMEMLIMIT", tc.env)
			if tc.env == "" {
				os.Unsetenv("GOMEMLIMIT")
			}
			debug.SetMemoryLimit(1 << 40)
			got := softMemoryLimit(tc.root)
			if got != tc.want {
				t.Fatalf("set %d, want %d", got, tc.want)
			}
			if cur := debug.SetMemoryLimit(-1); tc.want != 0 && cur != tc.want {
				t.Fatalf("the runtime's limit is %d", cur)
			}
		})
	}
}

func TestGOGCWins(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	t.Setenv("GOGC", "80")
	if tuneGC() {
		t.Fatal("overrode GOGC")
	}
	os.Unsetenv("GOGC")
	debug.SetGCPercent(100)
	if !tuneGC() || debug.SetGCPercent(100) != gcPercent {
		t.Fatalf("GC percent not %d", gcPercent)
	}
}
