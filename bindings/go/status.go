package rulestead

// #include <stdlib.h>
// #include "rsl.h"
import "C"

import (
	"time"
	"unsafe"
)

// Status is what the client serves and how it got there.
type Status struct {
	Ready            bool   // a snapshot is being served
	Stale            bool   // it is past its expiry
	FailingClosed    bool   // stale with FailClosed: fallbacks are served
	RollbackOverride bool   // it was accepted through AllowRollback
	FromBackup       bool   // it came from BackupPath
	Watch            string // "inotify", "poll" or "none"
	Version          uint64
	Environment      string
	Commit           string
	KeyID            string
	FlagCount        int
	IssuedAt         time.Time
	ExpiresAt        time.Time // zero: does not expire
	LoadedAt         time.Time
	ContentHash      string // BLAKE2b-256 of the file, hex
	// LastOutcome is the last new file examined: "accepted", "refused",
	// "unchanged" or "none"; LastCode its RSL_E* name, LastError its
	// message when refused.
	LastOutcome string
	LastCode    string
	LastError   string
	LastRefresh time.Time
	// Counters since Open.
	Evaluations     uint64
	Misses          uint64 // of them, flag not found
	Errors          uint64 // of them, any other error
	ReloadsAccepted uint64
	ReloadsRefused  uint64
	// SnapshotsRetiring are replaced snapshots still in memory.
	SnapshotsRetiring int
}

func unixTime(s C.int64_t) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(int64(s), 0)
}

// Status reads the client's status (all zero, Watch "none", after Close).
func (cl *Client) Status() Status {
	var s C.rsl_client_status
	cl.mu.RLock()
	C.rsl_client_status_get(&s, cl.c)
	cl.mu.RUnlock()
	return Status{
		Ready:             s.ready != 0,
		Stale:             s.stale != 0,
		FailingClosed:     s.failing_closed != 0,
		RollbackOverride:  s.rollback_override != 0,
		FromBackup:        s.from_backup != 0,
		Watch:             goStr(s.watch),
		Version:           uint64(s.version),
		Environment:       C.GoString(&s.environment[0]),
		Commit:            C.GoString(&s.commit[0]),
		KeyID:             C.GoString(&s.key_id[0]),
		FlagCount:         int(s.flag_count),
		IssuedAt:          unixTime(s.issued_at),
		ExpiresAt:         unixTime(s.expires_at),
		LoadedAt:          unixTime(s.loaded_at),
		ContentHash:       C.GoString(&s.content_hash[0]),
		LastOutcome:       goStr(s.last_outcome),
		LastCode:          C.GoString(C.rsl_strerror(s.last_code)),
		LastError:         C.GoString(&s.last_error[0]),
		LastRefresh:       unixTime(s.last_refresh_at),
		Evaluations:       uint64(s.evaluations),
		Misses:            uint64(s.misses),
		Errors:            uint64(s.errors),
		ReloadsAccepted:   uint64(s.reloads_accepted),
		ReloadsRefused:    uint64(s.reloads_refused),
		SnapshotsRetiring: int(s.snapshots_retiring),
	}
}

// Flag describes one flag of the served snapshot.
type Flag struct {
	Key          string
	Type         Type
	VariantCount int
	// OffVariant is served when the flag is disabled or not configured;
	// DefaultVariant when no rule matches, if that is one variant ("" for
	// a split or a schedule).
	OffVariant     string
	DefaultVariant string
	Configured     bool // has targeting in the snapshot's environment
	Enabled        bool // configured and not switched off
	RuleCount      int
	File           string // the definition, relative to the ruleset
	Line           int
}

// Flags lists the flags of the snapshot being served, in key order, with
// that snapshot's version (0 and no flags when nothing is served).
func (cl *Client) Flags() ([]Flag, uint64, error) {
	var list *C.rsl_flag_list
	cl.mu.RLock()
	if cl.c == nil {
		cl.mu.RUnlock()
		return nil, 0, ErrClosed
	}
	rc := C.rsl_client_flags(&list, cl.c)
	cl.mu.RUnlock()
	if rc != 0 {
		return nil, 0, cError(rc, nil)
	}
	defer C.rsl_flag_list_free(list)
	descs := unsafe.Slice(list.flags, int(list.count))
	flags := make([]Flag, len(descs))
	for i := range descs {
		d := &descs[i]
		flags[i] = Flag{
			Key:            goStr(d.key),
			Type:           Type(d._type),
			VariantCount:   int(d.variant_count),
			OffVariant:     goStr(d.off_variant),
			DefaultVariant: goStr(d.default_variant),
			Configured:     d.configured != 0,
			Enabled:        d.enabled != 0,
			RuleCount:      int(d.rule_count),
			File:           goStr(d.file),
			Line:           int(d.line),
		}
	}
	return flags, uint64(list.version), nil
}
