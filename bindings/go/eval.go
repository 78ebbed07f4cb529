package rulestead

// #include "shim.h"
import "C"

import (
	"strings"
	"unsafe"
)

// enter starts a call: the client's read lock and the encoded key and
// context.  ok false (the lock then not held) when the client is closed,
// the key holds a NUL byte (no flag has such a key) or the context cannot
// be encoded; err then says which.
func (cl *Client) enter(key string, ctx EvalContext) (cb *callBuf, err error) {
	if strings.IndexByte(key, 0) >= 0 {
		return nil, errFlagNotFound
	}
	if cb, err = encodeCall(key, ctx); err != nil {
		return nil, err
	}
	cl.mu.RLock()
	if cl.c == nil {
		cl.mu.RUnlock()
		putCall(cb)
		return nil, errNotReady
	}
	return cb, nil
}

func (cl *Client) leave(cb *callBuf) {
	cl.mu.RUnlock()
	putCall(cb)
}

// cp is the C client as shim.h's evaluations take it.
func (cl *Client) cp() C.uintptr_t { return C.uintptr_t(uintptr(unsafe.Pointer(cl.c))) }

func cbytes(cb *callBuf) (*C.uchar, C.size_t) {
	return (*C.uchar)(unsafe.Pointer(&cb.b[0])), C.size_t(len(cb.b))
}

// Bool is the value of a boolean flag for ctx, or fallback on any error
// (flag not found, another type, invalid context, nothing served).
func (cl *Client) Bool(key string, ctx EvalContext, fallback bool) bool {
	cb, err := cl.enter(key, ctx)
	if err != nil {
		return fallback
	}
	p, n := cbytes(cb)
	fb := C.int(0)
	if fallback {
		fb = 1
	}
	v := C.rsg_bool(cl.cp(), p, n, fb) != 0
	cl.leave(cb)
	return v
}

// Int is the value of an integer flag for ctx, or fallback on any error.
func (cl *Client) Int(key string, ctx EvalContext, fallback int64) int64 {
	cb, err := cl.enter(key, ctx)
	if err != nil {
		return fallback
	}
	p, n := cbytes(cb)
	v := int64(C.rsg_int(cl.cp(), p, n, C.int64_t(fallback)))
	cl.leave(cb)
	return v
}

// Float is the value of a float flag for ctx, or fallback on any error.
func (cl *Client) Float(key string, ctx EvalContext, fallback float64) float64 {
	cb, err := cl.enter(key, ctx)
	if err != nil {
		return fallback
	}
	p, n := cbytes(cb)
	v := float64(C.rsg_float(cl.cp(), p, n, C.double(fallback)))
	cl.leave(cb)
	return v
}

// Explain is the trace of the evaluation of key for ctx, as `rsc explain`
// prints it: each rule, whether it matched and why not, the split's bucket,
// the result, and the file:line of every rule.
func (cl *Client) Explain(key string, ctx EvalContext) string {
	return string(cl.explain(key, ctx, C.RSL_EXPLAIN_TEXT))
}

// ExplainJSON is Explain as JSON (`rsc explain --format json`).
func (cl *Client) ExplainJSON(key string, ctx EvalContext) []byte {
	return cl.explain(key, ctx, C.RSL_EXPLAIN_JSON)
}

func (cl *Client) explain(key string, ctx EvalContext, format C.int) []byte {
	cb, err := cl.enter(key, ctx)
	if err != nil {
		return []byte("rulestead: " + strings.TrimPrefix(err.Error(), "rulestead: ") + "\n")
	}
	defer cl.leave(cb)
	p, n := cbytes(cb)
	buf := make([]byte, 4096)
	for {
		need := int(C.rsg_explain((*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)),
			cl.cp(), p, n, format))
		if need < len(buf) {
			return buf[:need]
		}
		// A reload between the two calls may change the length again.
		buf = make([]byte, need+1)
	}
}
