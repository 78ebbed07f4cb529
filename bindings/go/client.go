package rulestead

/*
#cgo pkg-config: rsl
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/cgo"
	"sync"
	"time"
	"unsafe"
)

// Options configure Open.  Keys are required: KeyFiles, Keys, or both.
type Options struct {
	// KeyFiles are PEM files of trusted Ed25519 public keys (as written
	// by `rsc keygen`); Keys is the same as PEM text.
	KeyFiles []string
	Keys     []byte
	// Environment, when set, refuses snapshots of another environment.
	Environment string
	// BackupPath keeps a copy of each accepted snapshot (written
	// atomically), loaded first at start so that a restarted process
	// never goes back below what it last accepted.
	BackupPath string
	// PollInterval is how often the file and its expiry are checked when
	// inotify is not available or misses a change; 0: one second.
	PollInterval time.Duration
	// NoWatch starts no watching thread: call Refresh yourself.
	NoWatch bool
	// PollOnly watches by stat polling only, without inotify.
	PollOnly bool
	// FailClosed serves the callers' fallbacks (PROVIDER_NOT_READY)
	// instead of a snapshot past its expiry.
	FailClosed bool
	// AllowRollback accepts an older snapshot, or the same version with
	// other content, loudly (an event and Status().RollbackOverride): an
	// operator's override for emergencies.
	AllowRollback bool
	// MaxSize is the largest snapshot accepted, in bytes; 0: 256 MiB.
	MaxSize int64
	// RequireSnapshot makes Open fail when no snapshot can be served yet
	// (by default the client serves fallbacks until a valid file appears).
	RequireSnapshot bool
	// EventBuffer is the capacity of the Events channel; 0: 64.
	EventBuffer int
}

// Client serves the flags of the snapshot at one path while the file is
// replaced underneath it (a new file renamed into place), verifying each
// new file on the side.  Its methods are safe for concurrent use; an
// evaluation never waits for a reload.  Close it when done (a client the
// garbage collector finds unreachable is closed then, at a time nobody
// chooses).
type Client struct {
	// mu: evaluations share it; Close takes it alone, so that it frees the
	// C client only once no evaluation is running.  Events never take it.
	mu     sync.RWMutex
	c      *C.rsl_client
	keys   *C.rsl_keyring
	events *events
	handle cgo.Handle
	path   string
}

// Error is a failure of librsl: Code is its RSL_E* name ("RSL_ESIGNATURE").
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "rulestead: " + e.Code
	}
	return "rulestead: " + e.Message + " (" + e.Code + ")"
}

func cError(code C.int, e *C.rsl_error) error {
	msg := ""
	if e != nil {
		msg = C.GoString(&e.message[0])
	}
	return &Error{Code: C.GoString(C.rsl_strerror(code)), Message: msg}
}

// ErrClosed is returned by calls on a closed client.
var ErrClosed = errors.New("rulestead: the client is closed")

// Open creates a client serving the snapshot at path: it loads the backup
// (if any) then path, and unless NoWatch starts watching the file.  It
// fails on bad options or keys; when no snapshot is valid yet it still
// returns a client, which serves fallbacks (PROVIDER_NOT_READY) until a
// valid file appears, unless RequireSnapshot.  The first refusal is then
// in Status().LastError and on the Events channel.
func Open(path string, opts Options) (*Client, error) {
	cl := &Client{path: path}
	if err := cl.loadKeys(&opts); err != nil {
		C.rsl_keyring_free(cl.keys)
		return nil, err
	}
	n := opts.EventBuffer
	if n <= 0 {
		n = 64
	}
	cl.events = &events{ch: make(chan Event, n)}
	cl.handle = cgo.NewHandle(cl.events)

	var co C.rsl_client_options
	co.version = C.RSL_CLIENT_OPTIONS_VERSION
	co.keys = cl.keys
	var cstrs []*C.char
	cstr := func(s string) *C.char {
		if s == "" {
			return nil
		}
		p := C.CString(s)
		cstrs = append(cstrs, p)
		return p
	}
	defer func() {
		for _, p := range cstrs {
			C.free(unsafe.Pointer(p))
		}
	}()
	co.environment = cstr(opts.Environment)
	co.backup_path = cstr(opts.BackupPath)
	if opts.PollInterval > 0 {
		ms := opts.PollInterval.Milliseconds()
		if ms < 1 {
			ms = 1
		}
		co.poll_interval_ms = C.uint(ms)
	}
	flags := C.uint(0)
	for _, f := range []struct {
		on   bool
		flag C.uint
	}{{opts.NoWatch, C.RSL_CLIENT_NO_THREAD}, {opts.PollOnly, C.RSL_CLIENT_POLL_ONLY},
		{opts.FailClosed, C.RSL_CLIENT_FAIL_CLOSED},
		{opts.AllowRollback, C.RSL_CLIENT_ALLOW_ROLLBACK}} {
		if f.on {
			flags |= f.flag
		}
	}
	co.flags = flags
	if opts.MaxSize < 0 {
		return nil, cl.abandon(fmt.Errorf("rulestead: MaxSize must be 0 or more, found %d",
			opts.MaxSize))
	}
	co.max_size = C.size_t(opts.MaxSize)
	for _, f := range [][2]string{{"path", path}, {"environment", opts.Environment},
		{"backup path", opts.BackupPath}} {
		if err := noNUL(f[0], f[1]); err != nil {
			return nil, cl.abandon(err)
		}
	}
	cpath := cstr(path)
	var cerr C.rsl_error
	if rc := C.rsg_client_new(&cl.c, cpath, &co, C.uintptr_t(cl.handle), &cerr); rc != 0 {
		return nil, cl.abandon(cError(rc, &cerr))
	}
	if opts.RequireSnapshot && cerr.code != 0 {
		err := cError(cerr.code, &cerr)
		cl.Close()
		return nil, err
	}
	// A client dropped without Close would keep its thread and file watch
	// for ever.  Every method uses cl after its C call, so the collector
	// cannot finalize a client while one runs.
	runtime.SetFinalizer(cl, (*Client).Close)
	return cl, nil
}

func noNUL(what, s string) error {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return fmt.Errorf("rulestead: the %s %q holds a NUL byte", what, s)
		}
	}
	return nil
}

func (cl *Client) loadKeys(opts *Options) error {
	if rc := C.rsl_keyring_new(&cl.keys); rc != 0 {
		return cError(rc, nil)
	}
	var cerr C.rsl_error
	for _, f := range opts.KeyFiles {
		if err := noNUL("key file", f); err != nil {
			return err
		}
		p := C.CString(f)
		rc := C.rsl_keyring_add_pem_file(cl.keys, p, &cerr)
		C.free(unsafe.Pointer(p))
		if rc != 0 {
			return cError(rc, &cerr)
		}
	}
	if len(opts.Keys) > 0 {
		p := C.CBytes(opts.Keys)
		rc := C.rsl_keyring_add_pem(cl.keys, (*C.char)(p), C.size_t(len(opts.Keys)), &cerr)
		C.free(p)
		if rc != 0 {
			return cError(rc, &cerr)
		}
	}
	if len(opts.KeyFiles) == 0 && len(opts.Keys) == 0 {
		return errors.New("rulestead: no trusted keys: set Options.KeyFiles or Options.Keys")
	}
	return nil
}

// abandon undoes a failed Open before the C client exists.
func (cl *Client) abandon(err error) error {
	cl.handle.Delete()
	C.rsl_keyring_free(cl.keys)
	return err
}

// Close stops watching, waits for evaluations in flight, frees the client
// and closes the Events channel.  Calls after Close serve fallbacks
// (PROVIDER_NOT_READY).  Safe to call more than once and from any
// goroutine, also while events are being delivered: the watcher's callback
// never blocks, so Close never waits for a reader of Events.
func (cl *Client) Close() error {
	runtime.SetFinalizer(cl, nil)
	cl.mu.Lock()
	c := cl.c
	cl.c = nil
	cl.mu.Unlock()
	if c == nil {
		return nil
	}
	// No evaluation can start on c now.  rsl_client_free joins the watcher
	// thread, whose callback may be running: it returns without waiting.
	C.rsl_client_free(c)
	C.rsl_keyring_free(cl.keys)
	cl.keys = nil
	// No callback can run any more: the handle and the channel can go.
	cl.handle.Delete()
	close(cl.events.ch)
	return nil
}

// Refresh examines the file now, as the watcher does: nil when it was
// accepted or is what is already served, else why it was refused (the
// served snapshot stays).
func (cl *Client) Refresh() error {
	cl.mu.RLock()
	defer cl.mu.RUnlock()
	if cl.c == nil {
		return ErrClosed
	}
	var cerr C.rsl_error
	if rc := C.rsl_client_refresh(cl.c, &cerr); rc != 0 {
		return cError(rc, &cerr)
	}
	return nil
}

// Path is the snapshot file the client serves.
func (cl *Client) Path() string { return cl.path }
