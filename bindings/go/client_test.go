package rulestead

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func user(id string) *Context { return &Context{TargetingKey: id} }

// TestReloadByRename: a newer snapshot renamed into place is served, and
// its event arrives on the channel, read here by the test's goroutine.
func TestReloadByRename(t *testing.T) {
	path := served(t, "prod")
	c := open(t, path, Options{PollInterval: 50 * time.Millisecond})
	first := waitEvent(t, c, EventAccepted)
	if got := c.String("static-banner", nil, "fallback"); got != "Hello, world" {
		t.Fatalf("before the reload: expected \"Hello, world\", found %q", got)
	}
	publish(t, "newer", path)
	e := waitEvent(t, c, EventAccepted)
	if e.Version <= first.Version || e.Code != "RSL_OK" || e.Path == "" {
		t.Fatalf("accepted event: expected a version above %d, RSL_OK and a path, found %+v",
			first.Version, e)
	}
	if got := c.String("static-banner", nil, "fallback"); got != "Hello, newer" {
		t.Fatalf("after the reload: expected \"Hello, newer\", found %q", got)
	}
	if s := c.Status(); s.Version != e.Version || s.ReloadsAccepted < 2 || s.Watch != "inotify" {
		t.Fatalf("status after the reload: expected version %d, 2 reloads, inotify, found %+v",
			e.Version, s)
	}
	r, err := c.Evaluate("static-banner", nil)
	if err != nil || r.Version != e.Version || r.Environment != "prod" || r.Commit == "" {
		t.Fatalf("Evaluate after the reload: %+v, %v", r, err)
	}
}

// TestRollbackRefused: an older snapshot renamed into place is refused
// with RSL_EROLLBACK, and the newer one stays.
func TestRollbackRefused(t *testing.T) {
	path := served(t, "newer")
	c := open(t, path, Options{PollInterval: 50 * time.Millisecond})
	waitEvent(t, c, EventAccepted)
	publish(t, "older", path)
	e := waitEvent(t, c, EventRefused)
	if e.Code != "RSL_EROLLBACK" || !strings.Contains(e.Message, "version") {
		t.Fatalf("refused event: expected RSL_EROLLBACK saying why, found %+v", e)
	}
	if got := c.String("static-banner", nil, "fallback"); got != "Hello, newer" {
		t.Fatalf("after the refusal: expected \"Hello, newer\", found %q", got)
	}
	s := c.Status()
	if s.LastOutcome != "refused" || s.LastCode != "RSL_EROLLBACK" || s.ReloadsRefused != 1 {
		t.Fatalf("status: expected refused, RSL_EROLLBACK, 1 refusal, found %+v", s)
	}
	if err := c.Refresh(); err == nil || err.(*Error).Code != "RSL_EROLLBACK" {
		t.Fatalf("Refresh: expected RSL_EROLLBACK, found %v", err)
	}
}

// TestCloseWhileWatching: Close returns while the watcher thread delivers
// events that nobody reads (a full channel), while snapshots are renamed
// into place and other goroutines evaluate.
func TestCloseWhileWatching(t *testing.T) {
	for round := 0; round < 20; round++ {
		path := served(t, "prod")
		c := open(t, path, Options{PollInterval: time.Millisecond, EventBuffer: 1})
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { // the publisher: accepted and refused, over and over
			defer wg.Done()
			names := []string{"newer", "older", "prod"}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				publish(t, names[i%3], path)
				time.Sleep(time.Millisecond)
			}
		}()
		go func() { // an evaluator, also after Close
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				c.Bool("new-checkout", user("u1"), false)
				c.Evaluate("no-such-flag", nil) // events from this goroutine too
			}
		}()
		time.Sleep(time.Duration(5+round) * time.Millisecond)
		done := make(chan struct{})
		go func() { c.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: Close did not return within 10 s", round)
		}
		if got := c.String("static-banner", nil, "closed"); got != "closed" {
			t.Fatalf("after Close: expected the fallback, found %q", got)
		}
		if _, err := c.Evaluate("static-banner", nil); err == nil ||
			err.(*EvalError).Code != ErrorProviderNotReady {
			t.Fatalf("after Close: expected PROVIDER_NOT_READY, found %v", err)
		}
		close(stop)
		wg.Wait()
		n := 0
		for range c.Events() { // closed by Close: the loop ends
			n++
		}
		if n > 1 {
			t.Fatalf("the channel holds at most its buffer (1), found %d", n)
		}
		if round == 19 && c.DroppedEvents() == 0 {
			t.Errorf("no event was dropped with nobody reading a channel of 1")
		}
	}
}

// TestDroppedClientIsClosed: a client nobody closes is closed once the
// garbage collector finds it unreachable: its events channel is closed.
func TestDroppedClientIsClosed(t *testing.T) {
	c, err := Open(served(t, "prod"), Options{KeyFiles: []string{pubKey}})
	if err != nil {
		t.Fatal(err)
	}
	events := c.Events()
	c = nil
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		runtime.GC()
		for {
			select {
			case _, ok := <-events:
				if !ok {
					return
				}
				continue
			case <-time.After(10 * time.Millisecond):
			}
			break
		}
	}
	t.Fatal("a dropped client was not closed within 10 s")
}

// TestFallbacksAndErrors: each way of not getting the flag's value.
func TestFallbacksAndErrors(t *testing.T) {
	c := open(t, served(t, "prod"), Options{NoWatch: true})
	cases := []struct {
		name string
		key  string
		ctx  *Context
		typ  Type
		code ErrorCode
		msg  string
	}{
		{"missing flag", "no-such-flag", nil, TypeBool, ErrorFlagNotFound, ""},
		{"NUL in the key", "static-banner\x00x", nil, TypeString, ErrorFlagNotFound, ""},
		{"type mismatch", "static-banner", nil, TypeBool, ErrorTypeMismatch, ""},
		{"attribute of another type", "new-checkout",
			&Context{Attributes: map[string]any{"when": time.Now()}}, TypeBool,
			ErrorInvalidContext, `attribute "when": expected a string, bool, number or []string, found time.Time`},
		{"NUL in an attribute", "new-checkout",
			&Context{Attributes: map[string]any{"email": "a\x00b"}}, TypeBool,
			ErrorInvalidContext, `attribute "email": its value holds a NUL byte`},
		{"NUL in a list", "new-checkout",
			&Context{Attributes: map[string]any{"tags": []string{"a", "b\x00"}}}, TypeBool,
			ErrorInvalidContext, `attribute "tags": item 1 holds a NUL byte`},
		{"NUL in the targeting key", "new-checkout", user("u\x00"), TypeBool,
			ErrorInvalidContext, "targeting_key holds a NUL byte"},
		{"list over the limit", "new-checkout",
			&Context{Attributes: map[string]any{"tags": make([]string, 17)}}, TypeBool,
			ErrorInvalidContext, ""},
		{"too many attributes", "new-checkout", manyAttrs(65), TypeBool,
			ErrorInvalidContext, ""},
		{"string over the limit", "new-checkout",
			&Context{Attributes: map[string]any{"email": strings.Repeat("x", 4097)}},
			TypeBool, ErrorInvalidContext, ""},
	}
	for _, tc := range cases {
		r, err := c.EvaluateType(tc.key, tc.typ, tc.ctx, "the fallback")
		var ee *EvalError
		if !errors.As(err, &ee) || ee.Code != tc.code || r.ErrorCode != tc.code ||
			r.Reason != ReasonError || r.Value != "the fallback" || r.Variant != "" {
			t.Errorf("%s: expected %s with the fallback, found %+v, %v", tc.name, tc.code, r, err)
			continue
		}
		if tc.msg != "" && !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: expected the error to say %q, found %q", tc.name, tc.msg, err)
		}
		if got := c.Bool(tc.key, tc.ctx, true); tc.typ == TypeBool && !got {
			t.Errorf("%s: Bool served false, expected the fallback true", tc.name)
		}
	}
	// At the limits exactly, librsl takes the context.
	if _, err := c.Evaluate("new-checkout", manyAttrs(64)); err != nil {
		t.Errorf("64 attributes: %v", err)
	}
	if c.Int("max-items", nil, -1) == -1 || c.Float("discount", nil, -1) == -1 {
		t.Errorf("Int and Float served their fallbacks for flags of their types")
	}
}

func manyAttrs(n int) *Context {
	ctx := &Context{TargetingKey: "u1", Attributes: map[string]any{}}
	for i := 0; i < n; i++ {
		ctx.Attributes[strings.Repeat("a", i+1)] = i
	}
	return ctx
}

// TestOpenRefusals: what Open refuses, and a client with nothing to serve.
func TestOpenRefusals(t *testing.T) {
	if _, err := Open(served(t, "prod"), Options{}); err == nil ||
		!strings.Contains(err.Error(), "no trusted keys") {
		t.Errorf("no keys: expected an error saying so, found %v", err)
	}
	_, err := Open(served(t, "prod"), Options{KeyFiles: []string{"no/such.pub"}})
	var e *Error
	if !errors.As(err, &e) || e.Code != "RSL_EIO" || !strings.Contains(e.Message, "no/such.pub") {
		t.Errorf("a missing key file: expected RSL_EIO naming it, found %v", err)
	}
	_, err = Open(served(t, "prod"), Options{KeyFiles: []string{pubKey}, Environment: "prod\x00"})
	if err == nil || !strings.Contains(err.Error(), `the environment "prod\x00" holds a NUL byte`) {
		t.Errorf("a NUL in the environment: expected a refusal naming it, found %v", err)
	}
	_, err = Open(served(t, "prod"), Options{Keys: []byte("not a key")})
	if !errors.As(err, &e) || e.Code != "RSL_EKEY" {
		t.Errorf("a bad key: expected RSL_EKEY, found %v", err)
	}
	missing := filepath.Join(t.TempDir(), "prod.rsnap")
	_, err = Open(missing, Options{KeyFiles: []string{pubKey}, RequireSnapshot: true})
	if !errors.As(err, &e) || e.Code != "RSL_EIO" {
		t.Errorf("RequireSnapshot without a file: expected RSL_EIO, found %v", err)
	}
	_, err = Open(served(t, "prod"), Options{KeyFiles: []string{pubKey}, Environment: "staging",
		RequireSnapshot: true})
	if !errors.As(err, &e) || e.Code != "RSL_EENV" {
		t.Errorf("another environment: expected RSL_EENV, found %v", err)
	}

	// Without RequireSnapshot the client waits for a file, serving fallbacks.
	c := open(t, missing, Options{PollInterval: 50 * time.Millisecond})
	if e := waitEvent(t, c, EventRefused); e.Code != "RSL_EIO" {
		t.Errorf("no file: expected a refusal RSL_EIO, found %+v", e)
	}
	r, err := c.EvaluateType("static-banner", TypeString, nil, "fb")
	if r.ErrorCode != ErrorProviderNotReady || r.Value != "fb" || err == nil {
		t.Errorf("nothing served: expected PROVIDER_NOT_READY and the fallback, found %+v", r)
	}
	publish(t, "prod", missing)
	waitEvent(t, c, EventAccepted)
	if got := c.String("static-banner", nil, "fb"); got != "Hello, world" {
		t.Errorf("once a file appeared: expected \"Hello, world\", found %q", got)
	}
}

// TestStale: an expired snapshot is served but stale; with FailClosed its
// flags are not served.
func TestStale(t *testing.T) {
	c := open(t, served(t, "expired"), Options{NoWatch: true})
	if s := c.Status(); !s.Ready || !s.Stale || s.ExpiresAt.IsZero() {
		t.Fatalf("expired: expected ready and stale, found %+v", s)
	}
	if got := c.String("static-banner", nil, "fb"); got == "fb" {
		t.Errorf("stale without FailClosed: expected the snapshot's value, found the fallback")
	}
	fc := open(t, served(t, "expired"), Options{NoWatch: true, FailClosed: true})
	waitEvent(t, fc, EventStale)
	r, _ := fc.EvaluateType("static-banner", TypeString, nil, "fb")
	if r.Value != "fb" || r.ErrorCode != ErrorProviderNotReady || !fc.Status().FailingClosed {
		t.Errorf("stale with FailClosed: expected the fallback, PROVIDER_NOT_READY, found %+v", r)
	}
}

// TestDetails: what Evaluate, Explain and Flags say about one decision.
func TestDetails(t *testing.T) {
	c := open(t, served(t, "prod"), Options{NoWatch: true})
	ctx := &Context{TargetingKey: "u1", Attributes: map[string]any{"email": "ann@example.com"}}
	r, err := c.Evaluate("new-checkout", ctx)
	if err != nil || r.Value != true || r.Type != TypeBool || r.Rule != "staff" ||
		r.RuleIndex != 0 || r.Reason != ReasonTargetingMatch || r.Bucket != -1 ||
		!strings.HasSuffix(r.File, "new-checkout.yaml") || r.Line <= 0 {
		t.Fatalf("Evaluate: expected true by rule staff at new-checkout.yaml:N, found %+v, %v",
			r, err)
	}
	text := c.Explain("new-checkout", ctx)
	if !strings.Contains(text, "staff") || !strings.Contains(text, r.File) {
		t.Errorf("Explain: expected the rule and its file, found:\n%s", text)
	}
	var trace map[string]any
	if err := json.Unmarshal(c.ExplainJSON("new-checkout", ctx), &trace); err != nil {
		t.Errorf("ExplainJSON: not JSON: %v", err)
	}
	flags, version, err := c.Flags()
	if err != nil || version != c.Status().Version || len(flags) != c.Status().FlagCount {
		t.Fatalf("Flags: %d flags at version %d, %v; status %+v", len(flags), version, err,
			c.Status())
	}
	byKey := map[string]Flag{}
	for _, f := range flags {
		byKey[f.Key] = f
	}
	if f := byKey["static-banner"]; f.Type != TypeString || f.VariantCount != 2 ||
		f.DefaultVariant != "hello" || !f.Enabled || f.File != "static-banner.yaml" {
		t.Errorf("Flags: static-banner: %+v", f)
	}
	if f := byKey["unconfigured"]; f.Configured || f.Enabled {
		t.Errorf("Flags: unconfigured: %+v", f)
	}
	if s := TypeObject.String(); s != "object" {
		t.Errorf("TypeObject.String: %q", s)
	}
}

// TestPrepared: a prepared context decides as its context did when it was
// prepared, and Prepare refuses what an evaluation would.
func TestPrepared(t *testing.T) {
	c := open(t, served(t, "prod"), Options{NoWatch: true})
	ctx := &Context{TargetingKey: "u1", Attributes: map[string]any{"email": "ann@example.com"}}
	p, err := ctx.Prepare()
	if err != nil {
		t.Fatal(err)
	}
	ctx.Attributes["email"] = "ann@example.org"
	if !c.Bool("new-checkout", p, false) || c.Bool("new-checkout", ctx, true) {
		t.Errorf("expected the prepared context to match rule staff and the changed one not to")
	}
	var none *Prepared
	if r, _ := c.Evaluate("static-banner", none); r.Value != "Hello, world" {
		t.Errorf("a nil *Prepared: expected an empty context, found %+v", r)
	}
	_, err = (&Context{Attributes: map[string]any{"x": []int{1}}}).Prepare()
	if err == nil || !strings.Contains(err.Error(), `attribute "x": expected a string, bool, number or []string, found []int`) {
		t.Errorf("Prepare of a bad attribute: %v", err)
	}
}

// TestMissEventFromEvaluation: a flag not found is an event, sent from the
// evaluating goroutine's thread without blocking it.
func TestMissEventFromEvaluation(t *testing.T) {
	c := open(t, served(t, "prod"), Options{NoWatch: true})
	c.Bool("no-such-flag", nil, false)
	e := waitEvent(t, c, EventEvaluation)
	if e.FlagKey != "no-such-flag" || e.ErrorType != "flag_not_found" {
		t.Fatalf("evaluation event: %+v", e)
	}
	if s := c.Status(); s.Misses != 1 || s.Evaluations != 1 {
		t.Fatalf("status: expected 1 evaluation, 1 miss, found %+v", s)
	}
}
