// Package rulestead evaluates Rulestead feature flags in Go: a binding of
// librsl, the C library that verifies signed snapshots compiled by `rsc
// compile` and evaluates them.  There is one evaluator, librsl's; this
// package only carries calls to it and results back.
//
// A Client serves the snapshot at one path and follows the file as new
// snapshots are renamed into place, verifying each on the side:
//
//	c, err := rulestead.Open("/etc/flags/prod.rsnap", rulestead.Options{
//		KeyFiles: []string{"/etc/flags/ci-signing.pub"},
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer c.Close()
//	ctx := &rulestead.Context{TargetingKey: "user-42",
//		Attributes: map[string]any{"plan": "pro", "country": "DE"}}
//	if c.Bool("new-checkout", ctx, false) {
//		// ...
//	}
//
// The typed calls (Bool, String, Int, Float, Object) return the fallback
// on any error.  Evaluate and EvaluateType return a Result with the
// variant, the reason, the error code, and the rule and file:line that
// decided; Explain the whole trace.  Events (reloads accepted or refused,
// staleness) arrive on the channel Events returns.
//
// Building: the package uses `#cgo pkg-config: rsl`.  After `make install`
// of Rulestead, rsl.pc is where pkg-config finds it; in the source tree,
// `make bindings-go` writes build/pkgconfig/rsl.pc for the uninstalled
// library (PKG_CONFIG_PATH=build/pkgconfig).
package rulestead
