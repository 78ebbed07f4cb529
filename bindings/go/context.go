package rulestead

// #include "rsl.h"
import "C"

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"
)

// Context says who is asking: the evaluation context of OpenFeature.  Every
// field is optional; a nil *Context is an empty context.
type Context struct {
	// TargetingKey identifies the user, device, ...: the default
	// bucketing key of percentage splits.
	TargetingKey string
	// TenantKey identifies the organisation or account.
	TenantKey string
	// Environment, when set, must equal the snapshot's environment.
	Environment string
	// RequestID and SessionID are for the caller's logs; they decide
	// nothing.
	RequestID string
	SessionID string
	// Attributes are what rules test.  A value is a string, a bool, a
	// number (any Go integer or float type) or a []string.  Anything else,
	// or a string holding a NUL byte, makes the context invalid: the
	// evaluation serves the fallback with INVALID_CONTEXT.
	Attributes map[string]any
	// Now is the evaluation time (schedules, freshness); zero: the clock.
	Now time.Time

	// present has bit i set when fixed field i was given, even as "": in a
	// struct literal an empty field means none, but ContextFromMap keeps
	// the difference (librsl buckets an empty targeting key like any other).
	present uint8
}

// The fixed fields of a context, in the order of shim.h's mask, by the
// names rsc explain --context reads.
var fixedNames = [...]string{"targeting_key", "tenant_key", "environment", "request_id",
	"session_id"}

func (ctx *Context) fixed() [5]*string {
	return [5]*string{&ctx.TargetingKey, &ctx.TenantKey, &ctx.Environment, &ctx.RequestID,
		&ctx.SessionID}
}

// ContextFromMap makes a context from one flat map, as `rsc explain
// --context` reads JSON (and OpenFeature's flattened context): the keys
// targeting_key, tenant_key, environment, request_id and session_id fill
// those fields (a present "" is a value, unlike in a struct literal), and
// every other key is an attribute.  A []any of strings becomes a []string,
// and a json.Number a float64, so a map decoded by encoding/json can be
// passed as it is.  It fails when a field is not a string; an attribute of
// another type makes the evaluations fail with INVALID_CONTEXT.
func ContextFromMap(m map[string]any) (*Context, error) {
	c := &Context{Attributes: make(map[string]any, len(m))}
	fields := c.fixed()
	for k, v := range m {
		i := indexOf(fixedNames[:], k)
		if i < 0 {
			c.Attributes[k] = attrValue(v)
			continue
		}
		s, ok := v.(string)
		if !ok {
			return nil, &contextError{fmt.Sprintf("%s: expected a string, found %T", k, v)}
		}
		*fields[i] = s
		c.present |= 1 << i
	}
	return c, nil
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func attrValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return f
		}
	case []any:
		list := make([]string, len(x))
		for i, item := range x {
			s, ok := item.(string)
			if !ok {
				return v
			}
			list[i] = s
		}
		return list
	}
	return v
}

// The attribute types of rsl.h's rsl_attr_type.
const (
	attrString = C.RSL_ATTR_STRING
	attrNumber = C.RSL_ATTR_NUMBER
	attrBool   = C.RSL_ATTR_BOOL
	attrList   = C.RSL_ATTR_LIST
	// At most this many attributes, and items of a list, are sent: one over
	// librsl's limit, so that librsl refuses the context as it would in C.
	maxAttrs = C.RSL_MAX_CONTEXT_ATTRS + 1
	maxItems = C.RSL_MAX_CONTEXT_LIST + 1
)

// contextError is why a context cannot be sent to librsl.
type contextError struct{ msg string }

func (e *contextError) Error() string { return "rulestead: invalid context: " + e.msg }

// A call's bytes: the flag key and the context, as shim.h describes.
type callBuf struct{ b []byte }

var callPool = sync.Pool{New: func() any { return &callBuf{b: make([]byte, 0, 512)} }}

func putCall(cb *callBuf) {
	if cap(cb.b) <= 64<<10 {
		callPool.Put(cb)
	}
}

// EvalContext is what an evaluation takes as its context: a *Context, or
// a *Prepared (the same encoded once).  nil is an empty context.
type EvalContext interface {
	// appendContext appends the context as shim.h encodes it.
	appendContext(b []byte) ([]byte, error)
}

// Prepared is a context encoded once, for a request that evaluates several
// flags with it, or a hot loop: evaluating with it skips reading the
// Context (and its map) each time.  It does not change when the Context
// it came from does.  Safe for concurrent use.
type Prepared struct{ b []byte }

// Prepare encodes the context for evaluations; it fails as an evaluation
// would fail with INVALID_CONTEXT (an attribute of another type, a NUL byte).
func (ctx *Context) Prepare() (*Prepared, error) {
	b, err := ctx.appendContext(nil)
	if err != nil {
		return nil, err
	}
	return &Prepared{b: b}, nil
}

func (p *Prepared) appendContext(b []byte) ([]byte, error) {
	if p == nil {
		return (*Context)(nil).appendContext(b)
	}
	return append(b, p.b...), nil
}

// encodeCall encodes ctx and key for shim.c (the caller has checked that
// key holds no NUL byte).
func encodeCall(key string, ctx EvalContext) (*callBuf, error) {
	cb := callPool.Get().(*callBuf)
	var b []byte
	var err error
	if ctx == nil {
		b, err = (*Context)(nil).appendContext(cb.b[:0])
	} else {
		b, err = ctx.appendContext(cb.b[:0])
	}
	b = append(append(b, key...), 0)
	cb.b = b
	if err != nil {
		putCall(cb)
		return nil, err
	}
	return cb, nil
}

func (ctx *Context) appendContext(b []byte) ([]byte, error) {
	if ctx == nil {
		return append(b, 0, 0, 0, 0, 0, 0), nil
	}
	fixed := [...]string{ctx.TargetingKey, ctx.TenantKey, ctx.Environment, ctx.RequestID,
		ctx.SessionID}
	mask := ctx.present
	for i, s := range fixed {
		if s != "" {
			mask |= 1 << i
		}
	}
	b = append(b, mask)
	var err error
	for i, s := range fixed {
		if mask&(1<<i) != 0 {
			if b, err = appendStr(b, s, fixedNames[i]); err != nil {
				return b, err
			}
		}
	}
	if ctx.Now.IsZero() {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		b = appendU64(b, uint64(ctx.Now.Unix()))
	}
	n := len(ctx.Attributes)
	if n > maxAttrs {
		n = maxAttrs
	}
	b = appendU32(b, uint32(n))
	if len(ctx.Attributes) <= maxAttrs {
		for k, v := range ctx.Attributes {
			if b, err = appendAttr(b, k, v); err != nil {
				return b, err
			}
		}
		return b, nil
	}
	// Over the limit librsl refuses it; in key order, so that what explain
	// shows is the same every time.
	keys := make([]string, 0, len(ctx.Attributes))
	for k := range ctx.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys[:n] {
		if b, err = appendAttr(b, k, ctx.Attributes[k]); err != nil {
			return b, err
		}
	}
	return b, nil
}

func appendStr(b []byte, s, what string) ([]byte, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return b, &contextError{what + " holds a NUL byte"}
	}
	return append(append(b, s...), 0), nil
}

func appendU32(b []byte, v uint32) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

func appendU64(b []byte, v uint64) []byte {
	return appendU32(appendU32(b, uint32(v)), uint32(v>>32))
}

// appendAttr appends one attribute.
func appendAttr(b []byte, name string, v any) ([]byte, error) {
	if strings.IndexByte(name, 0) >= 0 {
		return b, &contextError{fmt.Sprintf("the name of attribute %q holds a NUL byte", name)}
	}
	var f float64
	switch x := v.(type) {
	case string:
		if strings.IndexByte(x, 0) >= 0 {
			return b, &contextError{fmt.Sprintf("attribute %q: its value holds a NUL byte", name)}
		}
		b = append(append(append(b, attrString), name...), 0)
		return append(append(b, x...), 0), nil
	case bool:
		b = append(append(append(b, attrBool), name...), 0)
		if x {
			return append(b, 1), nil
		}
		return append(b, 0), nil
	case []string:
		n := len(x)
		if n > maxItems {
			n = maxItems
		}
		b = appendU32(append(append(append(b, attrList), name...), 0), uint32(n))
		for i, s := range x[:n] {
			if strings.IndexByte(s, 0) >= 0 {
				return b, &contextError{fmt.Sprintf(
					"attribute %q: item %d holds a NUL byte", name, i)}
			}
			b = append(append(b, s...), 0)
		}
		return b, nil
	case float64:
		f = x
	case int:
		f = float64(x)
	case int64:
		f = float64(x)
	case float32:
		f = float64(x)
	case int8:
		f = float64(x)
	case int16:
		f = float64(x)
	case int32:
		f = float64(x)
	case uint:
		f = float64(x)
	case uint8:
		f = float64(x)
	case uint16:
		f = float64(x)
	case uint32:
		f = float64(x)
	case uint64:
		f = float64(x)
	default:
		return b, &contextError{fmt.Sprintf(
			"attribute %q: expected a string, bool, number or []string, found %T", name, v)}
	}
	b = append(append(append(b, attrNumber), name...), 0)
	return appendU64(b, math.Float64bits(f)), nil
}
