package rulestead

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"testing"
)

// rss is the process's resident memory in bytes (/proc/self/statm).
func rss(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skipf("skipped: no /proc/self/statm: %v", err)
	}
	f := bytes.Fields(b)
	pages, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil {
		t.Fatalf("/proc/self/statm: %q", b)
	}
	return pages * int64(os.Getpagesize())
}

// TestNoMemoryGrowth: 1,000,000 evaluations through every kind of call
// (typed, detailed with strings and objects, errors, contexts with lists)
// leave the resident memory where it was, within a generous bound: nothing
// leaks on either side of cgo.
func TestNoMemoryGrowth(t *testing.T) {
	if raceEnabled {
		t.Skip("skipped: under the race detector")
	}
	c := open(t, served(t, "prod"), Options{NoWatch: true})
	ctxs := []*Context{
		{TargetingKey: "u1", Attributes: map[string]any{"email": "ann@example.com"}},
		{TargetingKey: "u2", Attributes: map[string]any{"tags": []string{"a", "b"}, "n": 3}},
		{Attributes: map[string]any{"bad": struct{}{}}},
		nil,
	}
	calls := func(i int) {
		ctx := ctxs[i%len(ctxs)]
		switch i % 5 {
		case 0:
			c.Bool("new-checkout", ctx, false)
		case 1:
			c.String("button-color", ctx, "x")
		case 2:
			c.Object("search-tuning", ctx, nil)
		case 3:
			c.Evaluate("no-such-flag", ctx)
		default:
			c.Evaluate("discount", ctx)
		}
	}
	for i := 0; i < 100000; i++ { // warm up: pools, the heap, thread slots
		calls(i)
	}
	runtime.GC()
	before := rss(t)
	for i := 0; i < 1000000; i++ {
		calls(i)
	}
	runtime.GC()
	after := rss(t)
	t.Logf("RSS before %d KiB, after 1,000,000 evaluations %d KiB", before>>10, after>>10)
	if after-before > 8<<20 {
		t.Fatalf("RSS grew by %d KiB over 1,000,000 evaluations (bound 8 MiB)",
			(after-before)>>10)
	}
}
