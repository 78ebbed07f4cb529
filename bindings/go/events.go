package rulestead

// #include "rsl.h"
import "C"

import (
	"runtime/cgo"
	"sync/atomic"
)

// The names of events (Event.Name), as rsl.h defines them.
const (
	// EventAccepted: a new snapshot is being served.
	EventAccepted = C.RSL_EVENT_ACCEPTED
	// EventRefused: a new file was refused; the served snapshot stays.
	EventRefused = C.RSL_EVENT_REFUSED
	// EventStale: the served snapshot is past its expiry.
	EventStale = C.RSL_EVENT_STALE
	// EventRollbackOverride: an older snapshot was accepted because of
	// Options.AllowRollback.
	EventRollbackOverride = C.RSL_EVENT_ROLLBACK_OVERRIDE
	// EventBackupFailed: the backup copy could not be written.
	EventBackupFailed = C.RSL_EVENT_BACKUP_FAILED
	// EventEvaluation: a flag was not found (at most 10 a second).
	EventEvaluation = C.RSL_EVENT_EVALUATION
)

// Event is what happened to a client: a reload accepted or refused, the
// snapshot going stale, a flag not found.
type Event struct {
	Name    string // Event* constant
	Code    string // "RSL_OK", or the RSL_E* name of a refusal ("RSL_EROLLBACK")
	Message string // one line
	Path    string // the file concerned, or ""
	Version uint64 // the snapshot concerned, 0 when unknown
	Commit  string
	FlagKey string // EventEvaluation: the flag's key
	// ErrorType is EventEvaluation's error.type ("flag_not_found").
	ErrorType string
}

// events is what librsl's callback reaches through a cgo.Handle.
type events struct {
	ch      chan Event
	dropped atomic.Uint64
}

// Events is the channel on which the client's events arrive, closed by
// Close.  Events come from librsl's watching thread (and from evaluating
// goroutines), which must never wait: when the channel is full an event is
// dropped and counted (DroppedEvents).  Status always says what is being
// served, so a reader that missed events loses nothing but the history.
func (cl *Client) Events() <-chan Event { return cl.events.ch }

// DroppedEvents is the number of events dropped because Events was full.
func (cl *Client) DroppedEvents() uint64 { return cl.events.dropped.Load() }

func goStr(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

//export rsgEvent
func rsgEvent(h C.uintptr_t, ev *C.rsl_client_event) {
	e := Event{
		Name:      goStr(ev.name),
		Code:      C.GoString(C.rsl_strerror(ev.code)),
		Message:   goStr(ev.message),
		Path:      goStr(ev.path),
		Version:   uint64(ev.version),
		Commit:    goStr(ev.commit),
		FlagKey:   goStr(ev.flag_key),
		ErrorType: goStr(ev.error_type),
	}
	q := cgo.Handle(h).Value().(*events)
	select {
	case q.ch <- e:
	default:
		q.dropped.Add(1)
	}
}
