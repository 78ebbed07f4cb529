package rulestead

import (
	"fmt"
	"os"
	"syscall"
	"testing"
)

var sinkBool bool

// BenchmarkThreeRules is `make bench`'s row for Go: the three-rule flag
// of tests/bench/bench.c through Client.Bool, for the same context
// (plan=free, country=US, seats=3: the whole path to the split) and the
// same 1,024 rotating targeting keys.  make bench passes the snapshot
// build/bench compiled and its key.
func BenchmarkThreeRules(b *testing.B) { benchThreeRules(b, false) }

// BenchmarkThreeRulesPrepared is the same with each context prepared once
// (Context.Prepare), as a request evaluating several flags would.
func BenchmarkThreeRulesPrepared(b *testing.B) { benchThreeRules(b, true) }

func benchThreeRules(b *testing.B, prepared bool) {
	snap, key := os.Getenv("RULESTEAD_BENCH_SNAPSHOT"), os.Getenv("RULESTEAD_BENCH_KEY")
	if snap == "" || key == "" {
		b.Skip("skipped: RULESTEAD_BENCH_SNAPSHOT and RULESTEAD_BENCH_KEY not set (make bench sets them)")
	}
	c := open(b, snap, Options{KeyFiles: []string{key}}) // watching, as in production
	ctxs := make([]EvalContext, 1024)
	for i := range ctxs {
		ctx := &Context{TargetingKey: fmt.Sprintf("user-%d", i*7919),
			Attributes: map[string]any{"plan": "free", "country": "US", "seats": 3}}
		ctxs[i] = ctx
		if prepared {
			p, err := ctx.Prepare()
			if err != nil {
				b.Fatal(err)
			}
			ctxs[i] = p
		}
	}
	if r, err := c.Evaluate("three-rules", ctxs[0]); err != nil || r.Reason != ReasonSplit {
		b.Fatalf("three-rules: expected a decision by the split, found %+v, %v", r, err)
	}
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sinkBool = c.Bool("three-rules", ctxs[i&1023], false)
	}
	b.StopTimer()
	// On a shared machine wall time counts other programs' time too; the
	// process's CPU time (this goroutine's thread, and the collector's)
	// does not.
	b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N), "cpu-ns/op")
}

func cpuTime(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
