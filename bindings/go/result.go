package rulestead

// #include "shim.h"
import "C"

import (
	"encoding/json"
	"fmt"
	"sync"
	"unsafe"
)

// Type is a flag's type.
type Type int

// The flag types of rsl.h.
const (
	TypeBool   Type = C.RSL_BOOLEAN
	TypeString Type = C.RSL_STRING
	TypeInt    Type = C.RSL_INTEGER
	TypeFloat  Type = C.RSL_FLOAT
	TypeObject Type = C.RSL_OBJECT
)

// String is the type's name in rulesets: "boolean", "string", "integer",
// "float", "object".
func (t Type) String() string { return C.GoString(C.rsl_type_name(C.rsl_type(t))) }

// Reason is why a value was served, in OpenFeature's words.
type Reason string

// The reasons librsl gives (rsl_reason_name).
const (
	ReasonStatic             Reason = "STATIC"
	ReasonDefault            Reason = "DEFAULT"
	ReasonTargetingMatch     Reason = "TARGETING_MATCH"
	ReasonSplit              Reason = "SPLIT"
	ReasonDisabled           Reason = "DISABLED"
	ReasonError              Reason = "ERROR"
	ReasonPrerequisiteFailed Reason = "PREREQUISITE_FAILED"
)

// ErrorCode is what went wrong, in OpenFeature's words; "" for nothing.
type ErrorCode string

// The error codes librsl gives (rsl_error_code_name).
const (
	ErrorNone                ErrorCode = ""
	ErrorFlagNotFound        ErrorCode = "FLAG_NOT_FOUND"
	ErrorTypeMismatch        ErrorCode = "TYPE_MISMATCH"
	ErrorTargetingKeyMissing ErrorCode = "TARGETING_KEY_MISSING"
	ErrorInvalidContext      ErrorCode = "INVALID_CONTEXT"
	ErrorParseError          ErrorCode = "PARSE_ERROR"
	ErrorProviderNotReady    ErrorCode = "PROVIDER_NOT_READY"
	ErrorGeneral             ErrorCode = "GENERAL"
)

// Result is a detailed evaluation: what was served and why.
type Result struct {
	// Value is a bool, string, int64, float64, or for an object flag its
	// JSON decoded by encoding/json (map[string]any, []any, ...).  When
	// the fallback was served (Variant ""), it is the caller's fallback.
	Value any
	Type  Type
	// Variant is the variant served; "" when the fallback was.
	Variant   string
	Reason    Reason
	ErrorCode ErrorCode
	// RuleIndex is the 0-based rule that decided, -1 for none; Rule its
	// name.  File and Line are the source of the deciding rule, default or
	// definition, in the ruleset at Commit.
	RuleIndex int
	Rule      string
	File      string
	Line      int
	// Bucket is 0..99999 when a percentage split decided, else -1.
	Bucket int
	// The snapshot that decided ("" and 0 when none was served).
	Environment string
	Commit      string
	Version     uint64
}

// EvalError is returned with a Result whose ErrorCode is set.
type EvalError struct {
	Key     string
	Code    ErrorCode
	Message string
}

func (e *EvalError) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("rulestead: flag %q: %s: %s", e.Key, e.Code, e.Message)
	}
	return fmt.Sprintf("rulestead: flag %q: %s", e.Key, e.Code)
}

// Evaluate evaluates key for ctx whatever the flag's type, with every
// detail.  err is an *EvalError when Result.ErrorCode is set; Value is then
// nil (or, for TARGETING_KEY_MISSING, what was served without one).
func (cl *Client) Evaluate(key string, ctx EvalContext) (Result, error) {
	return cl.detail(key, C.RSG_ANY, ctx, nil)
}

// EvaluateType evaluates key as a flag of type t, the shape of an
// OpenFeature provider's resolve: on any error (a flag of another type is
// TYPE_MISMATCH) Value is fallback, and err an *EvalError.
func (cl *Client) EvaluateType(key string, t Type, ctx EvalContext, fallback any) (Result, error) {
	return cl.detail(key, C.int(t), ctx, fallback)
}

// String is the value of a string flag for ctx, or fallback on any error.
func (cl *Client) String(key string, ctx EvalContext, fallback string) string {
	r, _ := cl.detail(key, C.RSL_STRING, ctx, fallback)
	return r.Value.(string)
}

// Object is the value of an object flag for ctx, its JSON decoded by
// encoding/json, or fallback on any error.
func (cl *Client) Object(key string, ctx EvalContext, fallback any) any {
	r, _ := cl.detail(key, C.RSL_OBJECT, ctx, fallback)
	return r.Value
}

// detailMem holds an rsl_detail as plain bytes (8-byte aligned): the
// pointers librsl writes into it point into itself or into C's heap,
// which Go's collector must not scan.
type detailMem [(C.sizeof_rsl_detail + 7) / 8]uint64

var detailPool = sync.Pool{New: func() any { return new(detailMem) }}

var errFlagNotFound = &EvalError{Code: ErrorFlagNotFound}
var errNotReady = &EvalError{Code: ErrorProviderNotReady, Message: "the client is closed"}

func (cl *Client) detail(key string, expected C.int, ctx EvalContext, fallback any) (Result, error) {
	r := Result{Value: fallback, RuleIndex: -1, Bucket: -1, Reason: ReasonError}
	if expected != C.RSG_ANY {
		r.Type = Type(expected)
	}
	cb, err := cl.enter(key, ctx)
	if err != nil {
		if e, ok := err.(*EvalError); ok {
			r.ErrorCode = e.Code
			return r, &EvalError{Key: key, Code: e.Code, Message: e.Message}
		}
		r.ErrorCode = ErrorInvalidContext
		return r, &EvalError{Key: key, Code: ErrorInvalidContext, Message: err.Error()}
	}
	m := detailPool.Get().(*detailMem)
	d := (*C.rsl_detail)(unsafe.Pointer(m))
	p, n := cbytes(cb)
	C.rsg_detail(unsafe.Pointer(m), cl.cp(), p, n, expected)
	cl.leave(cb)
	r.Type = Type(d.value._type)
	r.Reason = Reason(C.GoString(C.rsl_reason_name(d.reason)))
	if d.error != C.RSL_ERR_NONE {
		r.ErrorCode = ErrorCode(C.GoString(C.rsl_error_code_name(d.error)))
	}
	r.RuleIndex = int(d.rule_index)
	r.Rule = goStr(d.rule_name)
	r.File = goStr(d.file)
	r.Line = int(d.line)
	if d.bucket != C.UINT32_MAX {
		r.Bucket = int(d.bucket)
	}
	r.Environment = goStr(d.environment)
	r.Commit = goStr(d.commit)
	r.Version = uint64(d.version)
	var decodeErr error
	if d.variant != nil {
		r.Variant = C.GoString(d.variant)
		switch r.Type {
		case TypeBool:
			r.Value = d.value.b != 0
		case TypeInt:
			r.Value = int64(d.value.i)
		case TypeFloat:
			r.Value = float64(d.value.f)
		case TypeString:
			r.Value = C.GoStringN(d.value.s, C.int(d.value.len))
		case TypeObject:
			var v any
			decodeErr = json.Unmarshal(C.GoBytes(unsafe.Pointer(d.value.s),
				C.int(d.value.len)), &v)
			r.Value = v
		}
	}
	C.rsl_detail_free(d)
	detailPool.Put(m)
	if decodeErr != nil {
		// librsl checked the JSON at open: this is not expected to happen.
		r.Value, r.Variant, r.Reason, r.ErrorCode = fallback, "", ReasonError, ErrorParseError
		return r, &EvalError{Key: key, Code: ErrorParseError, Message: decodeErr.Error()}
	}
	if r.ErrorCode != ErrorNone {
		return r, &EvalError{Key: key, Code: r.ErrorCode}
	}
	return r, nil
}
