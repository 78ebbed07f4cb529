/*
 * rsl.h - librsl, the Rulestead loader: open a signed snapshot written by
 * `rsc compile`, verify it, and evaluate feature flags in it.
 *
 * The only header applications include.  Conventions:
 *  - Functions that can fail return 0 (RSL_OK) or a negative RSL_E* code and,
 *    when the caller passes an rsl_error, fill it with a one-line message.
 *  - Output parameters come first and are named out.
 *  - Free functions accept NULL.
 *  - Evaluation never allocates, locks, does I/O or fails the caller: it
 *    returns the caller's fallback on any error, and says why in the detail.
 *    (One exception, once per thread: a thread's first evaluation through
 *    an rsl_client registers the thread, which may allocate; see
 *    rsl_client_bool.)  Its cost is bounded at open: every flag's worst case
 *    is within a budget counted in condition tests and what they read
 *    (docs/snapshot-format.md, "Limits a loader enforces"), for any context
 *    within the caps below (RSL_MAX_CONTEXT_*): under a millisecond on a
 *    shared 2-vCPU machine (docs/benchmarks.md, "Worst case").
 *  - Strings returned by an rsl_snapshot (variant names, string values, rule
 *    names, source files, info fields) are NUL-terminated and valid until
 *    rsl_close() of that snapshot.
 *
 * Thread-safety: an opened rsl_snapshot is immutable; any number of threads
 * may evaluate it at once.  rsl_close() must not race with evaluations of the
 * same snapshot.  An rsl_keyring may be shared by threads once filled.
 */
#ifndef RSL_H
#define RSL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define RSL_API __attribute__((visibility("default")))
#else
#define RSL_API
#endif

/* The library's version: the one definition, read by the Makefile (the
 * version of librsl, rsl.pc and `rsc --version`). */
#define RSL_VERSION_MAJOR 0
#define RSL_VERSION_MINOR 1
#define RSL_VERSION_PATCH 0
#define RSL_VERSION_STR__(x) #x
#define RSL_VERSION_STR_(x) RSL_VERSION_STR__(x)
#define RSL_VERSION_STRING RSL_VERSION_STR_(RSL_VERSION_MAJOR) "." \
	RSL_VERSION_STR_(RSL_VERSION_MINOR) "." RSL_VERSION_STR_(RSL_VERSION_PATCH)

/* ---------------------------------------------------------------- errors */

/* Every code a function of this library returns. */
enum {
	RSL_OK = 0,
	RSL_EINVAL = -1,     /* a bad argument */
	RSL_EIO = -2,        /* the file cannot be opened, read or mapped */
	RSL_EUNSAFE = -3,    /* not a regular file, writable by group/others, or too big */
	RSL_EFORMAT = -4,    /* not a well-formed, canonical snapshot */
	RSL_EVERSION = -5,   /* a format version this library does not know */
	RSL_EKEY = -6,       /* no trusted key has the snapshot's key id, or a bad key */
	RSL_ESIGNATURE = -7, /* the signature does not verify */
	RSL_EENV = -8,       /* the snapshot is for another environment */
	RSL_ENOMEM = -9,     /* out of memory */
	/* -10 is not used (it was RSL_EBUFFER, never returned). */
	RSL_EROLLBACK = -11, /* rsl_client: a lower version than the one being served */
	RSL_EREPLAY = -12,   /* rsl_client: the served version with different content */
	RSL_ESTRICT = -13    /* rsl_evaluate / rsl_client_evaluate with ctx->strict:
	                        the evaluation ended in an error, see out->error */
};

/* A caller-owned error report: code and a one-line message. */
typedef struct rsl_error {
	int code;
	char message[256];
} rsl_error;

/* Static name of an RSL_E* code ("RSL_ESIGNATURE"); never NULL.
 * Thread-safe. */
RSL_API const char *rsl_strerror(int code);

/* ------------------------------------------------------------ trusted keys */

typedef struct rsl_keyring rsl_keyring;

/* A new, empty set of trusted Ed25519 public keys into *out, to free with
 * rsl_keyring_free.  RSL_OK, RSL_EINVAL (out NULL) or RSL_ENOMEM.
 * Thread-safe. */
RSL_API int rsl_keyring_new(rsl_keyring **out);
/* Adds a raw 32-byte public key (adding one already there does nothing).
 * RSL_OK, RSL_EKEY (not an Ed25519 public key, or the set is full: 16
 * keys), RSL_EINVAL (kr or pk NULL), RSL_ENOMEM (libsodium could not
 * initialise).  Not thread-safe against other adds to, or opens with, the
 * same keyring: fill it first, then share it. */
RSL_API int rsl_keyring_add_raw(rsl_keyring *kr, const unsigned char pk[32],
				rsl_error *err);
/* Adds the keys of a SubjectPublicKeyInfo PEM text ("-----BEGIN PUBLIC
 * KEY-----", as written by `rsc keygen` and `openssl pkey -pubout`).  A text
 * of several such blocks (an old key and its successor) adds each of them,
 * or none when one is refused.  The text is read strictly (RFC 7468): each
 * line in its first column, LF or CRLF; only blank lines around the blocks,
 * no other text.  RSL_OK, RSL_EKEY (not such a text, a key that is not
 * Ed25519, or the set would be full; the message says which and where),
 * RSL_EINVAL (kr or pem NULL), RSL_ENOMEM.  rsc reads key files with the
 * same code and messages.  Thread-safety as rsl_keyring_add_raw. */
RSL_API int rsl_keyring_add_pem(rsl_keyring *kr, const char *pem, size_t len,
				rsl_error *err);
/* Reads a PEM file (at most 64 KiB) and adds its keys as
 * rsl_keyring_add_pem does; messages begin with the path.  RSL_OK, RSL_EIO
 * (cannot open or read it, or not a regular file), RSL_EKEY (as
 * rsl_keyring_add_pem, or too big), RSL_EINVAL (kr or path NULL),
 * RSL_ENOMEM.  Thread-safety as rsl_keyring_add_raw. */
RSL_API int rsl_keyring_add_pem_file(rsl_keyring *kr, const char *path,
				     rsl_error *err);
/* Frees the keyring (NULL: nothing).  It must outlive every rsl_open using
 * it and every rsl_client made with it (opened snapshots keep no pointer to
 * it).  Not thread-safe against any other use of the keyring. */
RSL_API void rsl_keyring_free(rsl_keyring *kr);
/* The key id of a public key as 16 lowercase hex digits + NUL into out:
 * the first 8 bytes of SHA-256(pk).  Thread-safe. */
RSL_API void rsl_key_id_hex(char out[17], const unsigned char pk[32]);

/* ---------------------------------------------------------------- opening */

typedef struct rsl_snapshot rsl_snapshot;

#define RSL_OPEN_OPTIONS_VERSION 1
/* How rsl_open gets the file's bytes.  By default (or with RSL_OPEN_READ,
 * accepted for older callers: it is the default now) it reads the file into
 * private memory, about the file's size, which a format 2 snapshot then
 * evaluates from: a file truncated or rewritten in place while it is read
 * is at worst refused (RSL_EIO "it shrank while being read", RSL_EFORMAT or
 * RSL_ESIGNATURE), never a signal.  RSL_OPEN_MMAP maps the file instead and
 * a format 2 snapshot evaluates from the mapping for as long as it is open:
 * the process's private memory grows by a few pages only, and every
 * process that maps the file shares its pages (docs/snapshot-format.md,
 * "Mapped in place").  But should anyone truncate or rewrite the file in
 * place while it is open, reads from it may see other bytes than were
 * verified, or the kernel raises SIGBUS in the calling process, which kills
 * it.  Use RSL_OPEN_MMAP only when the publisher only ever renames new
 * files into place (write a new file, rename() it, never rewrite a
 * published file: rsc compile and rsc agent do so) and nobody else can
 * write the file.  rsl_client always reads. */
#define RSL_OPEN_READ 0x1u
#define RSL_OPEN_MMAP 0x2u

/* The largest snapshot file opened when max_size is 0 (here and in
 * rsl_client_options): 256 MiB, room for about 250,000 flags in format 2. */
#define RSL_DEFAULT_MAX_SIZE ((size_t)256 << 20)

typedef struct rsl_open_options {
	unsigned version;         /* RSL_OPEN_OPTIONS_VERSION */
	const rsl_keyring *keys;  /* required: the trusted keys */
	const char *environment;  /* refuse a snapshot for another env; NULL: any */
	unsigned flags;           /* RSL_OPEN_* */
	size_t max_size;          /* bytes; 0: RSL_DEFAULT_MAX_SIZE */
} rsl_open_options;

#define RSL_OPEN_OPTIONS_INIT { RSL_OPEN_OPTIONS_VERSION, NULL, NULL, 0u, 0u }

/*
 * Opens a snapshot file: checks that it is a regular file (a symlink to one
 * is fine), not writable by group or others, within max_size; reads it
 * (or maps it read-only, with RSL_OPEN_MMAP); verifies the COSE_Sign1
 * Ed25519 signature against opts->keys, over the payload where it lies (no
 * copy); checks the format version and the environment; then checks a
 * format 2 image once, every reference, length and index of it (or decodes
 * a format 1 body into the same records), so that evaluation never checks
 * again.
 * On success *out is a snapshot to rsl_close(); on failure *out is NULL,
 * nothing is left open, and the code is one of RSL_E*: RSL_EIO (cannot open,
 * map or read), RSL_EUNSAFE (not a regular file, writable by group or
 * others, over max_size), RSL_EFORMAT (empty, not COSE_Sign1, another
 * algorithm, not canonical, or any field, index or limit wrong, including a
 * flag whose evaluation could cost more than the budget or that requires
 * the same flag twice: the message says which, "payload: flag 3 'x': ..."),
 * RSL_EKEY (no trusted key has the
 * key id), RSL_ESIGNATURE, RSL_EVERSION (format or bucketing algorithm),
 * RSL_EENV, RSL_EINVAL (bad options: an unknown flag, or RSL_OPEN_READ
 * with RSL_OPEN_MMAP), RSL_ENOMEM.
 * The file is closed before rsl_open returns.  A format 2 snapshot keeps
 * the bytes it read (or its read-only mapping) until rsl_close; a format 1
 * snapshot keeps what it decoded.  What is evaluated is exactly the bytes
 * whose signature was verified, provided the publisher's contract holds:
 * write a new file and rename() it into place; never rewrite a published
 * file in place (see RSL_OPEN_MMAP).
 * Thread-safe (opens share nothing but opts->keys, which is only read).
 */
RSL_API int rsl_open(rsl_snapshot **out, const char *path,
		     const rsl_open_options *opts, rsl_error *err);

/* The same from bytes in memory (copied; the caller keeps its buffer, which
 * need not outlive the call).  max_size applies (RSL_EUNSAFE).  The entry
 * point for fuzzing the whole path.  Thread-safe, as rsl_open. */
RSL_API int rsl_open_buffer(rsl_snapshot **out, const void *data, size_t len,
			    const rsl_open_options *opts, rsl_error *err);

/* Releases everything the snapshot holds.  Not thread-safe against
 * evaluations of the same snapshot. */
RSL_API void rsl_close(rsl_snapshot *snap);

/* What a snapshot says about itself.  Pointers valid until rsl_close(). */
typedef struct rsl_info {
	uint32_t format;          /* 2 (1 for a snapshot from an older rsc) */
	const char *environment;
	uint64_t version;
	int64_t issued_at;        /* seconds since the epoch */
	int64_t expires_at;       /* 0 when the snapshot does not expire */
	const char *commit;       /* 40 hex digits, or "worktree" */
	int64_t commit_time;
	const char *author;       /* "" when unknown */
	const char *subject;      /* "" when unknown */
	const char *repository;   /* "" when unknown */
	const char *path;         /* ruleset directory inside the repository */
	const char *rsc_version;
	char key_id[17];          /* hex key id that signed it */
	size_t flag_count;
	size_t size;              /* bytes of the file */
} rsl_info;

/* Fills *out.  Thread-safe. */
RSL_API void rsl_snapshot_info(rsl_info *out, const rsl_snapshot *snap);

/* Whether the snapshot is past its expires_at at now (seconds since the
 * epoch; 0: the clock): 1 when it has an expiry and now is at or after it,
 * else 0 (also for snap NULL).  The one verdict: the live client's STALE,
 * and rsc verify, inspect, status and watch, all decide with this rule.  An
 * expired snapshot still evaluates (rsl_open does not refuse it); what to
 * do about it is the caller's choice (RSL_CLIENT_FAIL_CLOSED for the
 * client).  Thread-safe. */
RSL_API int rsl_snapshot_expired(const rsl_snapshot *snap, int64_t now);

/* ---------------------------------------------------------- the context */

typedef enum {
	RSL_ATTR_STRING = 0,
	RSL_ATTR_NUMBER = 1,
	RSL_ATTR_BOOL = 2,
	RSL_ATTR_LIST = 3 /* a list of strings */
} rsl_attr_type;

/* What a context may carry (docs/ruleset.md, "Context limits").  Strings
 * come from whoever sends the request (user agents, paths, e-mail
 * addresses), and a test's work grows with what it reads, so the library
 * bounds them: every evaluation's worst case is then fixed by the snapshot's
 * cost budget and these numbers together.
 *   RSL_MAX_CONTEXT_STRING  bytes of text one attribute carries: a string's
 *                           length, or a list's items' lengths added up;
 *                           also targeting_key and tenant_key.  Real user
 *                           agents stay under 1 KiB, URLs under 2 KiB, e-mail
 *                           addresses under 254 bytes.
 *   RSL_MAX_CONTEXT_LIST    items in one list attribute.
 *   RSL_MAX_CONTEXT_ATTRS   attributes in one context (nattrs).
 * A context past any of them is refused as a whole: the call serves the
 * fallback with reason ERROR and error INVALID_CONTEXT (RSL_ESTRICT when
 * strict), and rsl_explain says which value is too long.  Refusing is
 * simpler to reason about than a test that quietly stops matching (a
 * `not_in` would then match). */
#define RSL_MAX_CONTEXT_STRING 4096
#define RSL_MAX_CONTEXT_LIST 16
#define RSL_MAX_CONTEXT_ATTRS 64

/* One attribute of a context.  Built on the stack; librsl keeps no pointer
 * to it after a call returns. */
typedef struct rsl_attr {
	const char *name;
	rsl_attr_type type;
	const char *s;            /* STRING */
	double n;                 /* NUMBER */
	int b;                    /* BOOL */
	const char *const *list;  /* LIST: list[0..len) */
	size_t len;
} rsl_attr;

#define RSL_STR(k, v) { (k), RSL_ATTR_STRING, (v), 0.0, 0, NULL, 0 }
#define RSL_NUM(k, v) { (k), RSL_ATTR_NUMBER, NULL, (v), 0, NULL, 0 }
#define RSL_BOOL(k, v) { (k), RSL_ATTR_BOOL, NULL, 0.0, (v), NULL, 0 }
#define RSL_LIST(k, v, n) { (k), RSL_ATTR_LIST, NULL, 0.0, 0, (v), (n) }

/* The evaluation context: who is asking.  All fields optional (NULL/0). */
typedef struct rsl_context {
	const char *targeting_key; /* the user, device, ...: default bucketing key */
	const char *tenant_key;    /* the organisation, account, ... */
	const char *environment;   /* when set, must equal the snapshot's */
	const char *request_id;    /* for the caller's logs; not used to decide */
	const char *session_id;
	const rsl_attr *attrs;
	size_t nattrs;
	int64_t now;  /* evaluation time, seconds since the epoch; 0: the clock */
	int strict;   /* report a missing flag or a type mismatch as an error
	                 to the caller instead of quietly serving the fallback */
} rsl_context;

/* ------------------------------------------------------------- evaluation */

typedef enum {
	RSL_REASON_STATIC = 0,          /* the flag has one answer for everyone */
	RSL_REASON_DEFAULT = 1,         /* no rule matched: the default served */
	RSL_REASON_TARGETING_MATCH = 2, /* a rule matched */
	RSL_REASON_SPLIT = 3,           /* served through a percentage split */
	RSL_REASON_DISABLED = 4,        /* kill switch: the off variant */
	RSL_REASON_ERROR = 5,           /* the fallback, see error */
	RSL_REASON_PREREQUISITE_FAILED = 6
} rsl_reason;

typedef enum {
	RSL_ERR_NONE = 0,
	RSL_ERR_FLAG_NOT_FOUND = 1,
	RSL_ERR_TYPE_MISMATCH = 2,
	RSL_ERR_TARGETING_KEY_MISSING = 3,
	RSL_ERR_INVALID_CONTEXT = 4,
	RSL_ERR_PARSE_ERROR = 5,
	RSL_ERR_PROVIDER_NOT_READY = 6,
	RSL_ERR_GENERAL = 7
} rsl_error_code;

typedef enum {
	RSL_BOOLEAN = 0,
	RSL_STRING = 1,
	RSL_INTEGER = 2,
	RSL_FLOAT = 3,
	RSL_OBJECT = 4
} rsl_type;

typedef struct rsl_value {
	rsl_type type;
	int b;
	int64_t i;
	double f;
	const char *s;  /* STRING, and OBJECT as JSON text */
	size_t len;
} rsl_value;

/* What a detailed evaluation decided, and why. */
typedef struct rsl_result {
	rsl_value value;          /* the fallback when reason is ERROR */
	const char *variant;      /* NULL when the fallback was served */
	rsl_reason reason;
	rsl_error_code error;
	int rule_index;           /* 0-based rule that decided; -1 for none */
	const char *rule_name;    /* NULL for none */
	const char *file;         /* source file of the deciding rule, default or
	                             definition; NULL when unknown */
	uint32_t line;
	uint32_t bucket;          /* 0..99999 when a split decided, else UINT32_MAX */
} rsl_result;

/*
 * Typed evaluation in the OpenFeature shape: the flag's value for ctx, or
 * fallback on any error (snap NULL, flag not found, type mismatch, ...).
 * ctx may be NULL (an empty context); ctx->strict changes nothing here (it
 * affects only rsl_evaluate's return value).  A string or object returned
 * is the snapshot's (valid until rsl_close) or the caller's fallback
 * pointer itself.  Never allocates; thread-safe.
 */
RSL_API int rsl_bool(const rsl_snapshot *snap, const char *key,
		     const rsl_context *ctx, int fallback);
RSL_API const char *rsl_string(const rsl_snapshot *snap, const char *key,
			       const rsl_context *ctx, const char *fallback);
RSL_API int64_t rsl_int(const rsl_snapshot *snap, const char *key,
			const rsl_context *ctx, int64_t fallback);
RSL_API double rsl_float(const rsl_snapshot *snap, const char *key,
			 const rsl_context *ctx, double fallback);
/* Object flags: the variant's JSON text. */
RSL_API const char *rsl_object(const rsl_snapshot *snap, const char *key,
			       const rsl_context *ctx, const char *fallback_json);

/*
 * Detailed evaluation: fills *out (value, variant, reason, error, deciding
 * rule and its source line).  expected is the type the caller wants; a flag of
 * another type yields reason ERROR, error TYPE_MISMATCH and the fallback.
 * fallback may be NULL (a zero value of the expected type).
 * Returns RSL_OK, or RSL_ESTRICT when ctx->strict is set and out->error is
 * not RSL_ERR_NONE, so that a strict caller treats a missing flag, a type
 * mismatch or a snapshot that is not ready as an error rather than a quiet
 * fallback (*out is filled either way).  Without strict, only out->error
 * tells.
 * Never allocates; thread-safe.
 */
RSL_API int rsl_evaluate(rsl_result *out, const rsl_snapshot *snap,
			 const char *key, rsl_type expected,
			 const rsl_context *ctx, const rsl_value *fallback);

/*
 * A context prepared once for evaluations against many flags: the checks
 * every call of rsl_bool and rsl_evaluate makes of its context (the
 * RSL_MAX_CONTEXT_* caps, every attribute well formed) are made once, each
 * attribute name is hashed once and each string's length measured once, so
 * that an evaluation finds an attribute by its hash instead of comparing
 * names byte by byte.  Same decisions as the unprepared calls with the same
 * rsl_context.  Caller-allocated (about 800 bytes: on the stack is fine);
 * the fields are librsl's, not part of the API.
 */
typedef struct rsl_prepared {
	const rsl_context *ctx;
	uint32_t state;
	uint32_t nattrs;
	uint16_t key_len, tenant_len;
	uint32_t pad;
	uint64_t serial;
	struct {
		uint32_t hash;
		uint16_t name_len;
		uint16_t len;
		uint32_t id;  /* bound: the name's number in the snapshot */
	} attr[RSL_MAX_CONTEXT_ATTRS];
} rsl_prepared;

/*
 * Prepares ctx (NULL: the empty context) into *out.  *out points to ctx:
 * ctx, its attributes and every string they point to must stay alive and
 * unchanged while *out is used.  Returns RSL_OK; RSL_EINVAL (err names the
 * attribute and what is wrong) when ctx would be refused with
 * INVALID_CONTEXT by every evaluation (a cap exceeded, a NULL or empty
 * name, a NULL string, an unknown type) or out is NULL.  A refused *out is
 * still safe to evaluate: every call serves its fallback with error
 * INVALID_CONTEXT, as the unprepared calls would.  ctx->environment is
 * checked by each evaluation, against its snapshot.  Never allocates;
 * thread-safe (an rsl_prepared may be read by any number of threads).
 */
RSL_API int rsl_context_prepare(rsl_prepared *out, const rsl_context *ctx,
				rsl_error *err);

/*
 * Binds a prepared context to snap: each of its attribute names is looked up
 * once among the names snap's rules read, and recorded by number, so that
 * evaluations against snap find an attribute by comparing one number per
 * attribute of the context, with neither hash nor name compared (a context
 * of at most 8 attributes; a larger one finds them by hash, as unbound).
 * Evaluations against any
 * other snapshot (a reload, another file) find attributes by name, as
 * unbound: binding changes no decision, only the cost.  Bind again after a
 * reload; snap NULL unbinds.  A refused *p stays refused.  Writes *p: not
 * while other threads evaluate with it.  Never allocates.
 */
RSL_API void rsl_context_bind(rsl_prepared *p, const rsl_snapshot *snap);

/*
 * rsl_bool, rsl_string, rsl_int, rsl_float, rsl_object and rsl_evaluate
 * with a prepared context (NULL: the empty context): the same return values,
 * ownership and thread-safety.  Never allocate.
 */
RSL_API int rsl_prepared_bool(const rsl_snapshot *snap, const char *key,
			      const rsl_prepared *ctx, int fallback);
RSL_API const char *rsl_prepared_string(const rsl_snapshot *snap, const char *key,
					const rsl_prepared *ctx, const char *fallback);
RSL_API int64_t rsl_prepared_int(const rsl_snapshot *snap, const char *key,
				 const rsl_prepared *ctx, int64_t fallback);
RSL_API double rsl_prepared_float(const rsl_snapshot *snap, const char *key,
				  const rsl_prepared *ctx, double fallback);
RSL_API const char *rsl_prepared_object(const rsl_snapshot *snap, const char *key,
					const rsl_prepared *ctx,
					const char *fallback_json);
RSL_API int rsl_prepared_evaluate(rsl_result *out, const rsl_snapshot *snap,
				  const char *key, rsl_type expected,
				  const rsl_prepared *ctx, const rsl_value *fallback);

/*
 * A flag looked up once, for evaluations of the same flag in a loop: the
 * typed calls above find their flag by key on every call (the key's
 * length, its hash, a probe of the index and a compare); rsl_flag_find
 * does that once.  A reference holds no pointer into the snapshot: it is
 * the flag's index in the snapshot it was found in, that snapshot's
 * serial number (unique among the snapshots this process opens) and the
 * caller's key.  Evaluated against the snapshot it was found in, it costs
 * two compares; against any other (a reload, another file) the flag is
 * found again by key on every call, so a stale reference is slower, never
 * wrong.  The fields are librsl's, not part of the API.
 */
typedef struct rsl_flag_ref {
	const char *key;
	uint64_t serial;
	uint32_t index;
	uint32_t pad;
} rsl_flag_ref;

/*
 * The reference of the flag named key in snap.  key is kept, not copied: it
 * must stay alive and unchanged while the reference is used.  A flag snap
 * does not hold (or a NULL snap or key) still gives a reference, which
 * evaluates as the typed calls would with that key (FLAG_NOT_FOUND, the
 * fallback).  Never allocates; thread-safe.
 */
RSL_API rsl_flag_ref rsl_flag_find(const rsl_snapshot *snap, const char *key);

/*
 * rsl_prepared_bool, _string, _int, _float, _object and _evaluate with the
 * flag given by reference (rsl_flag_find) rather than by key: the same
 * decisions, return values, ownership and thread-safety.  ref NULL: the
 * flag is not found.  Never allocate.
 */
RSL_API int rsl_flag_bool(const rsl_snapshot *snap, const rsl_flag_ref *ref,
			  const rsl_prepared *ctx, int fallback);
RSL_API const char *rsl_flag_string(const rsl_snapshot *snap, const rsl_flag_ref *ref,
				    const rsl_prepared *ctx, const char *fallback);
RSL_API int64_t rsl_flag_int(const rsl_snapshot *snap, const rsl_flag_ref *ref,
			     const rsl_prepared *ctx, int64_t fallback);
RSL_API double rsl_flag_float(const rsl_snapshot *snap, const rsl_flag_ref *ref,
			      const rsl_prepared *ctx, double fallback);
RSL_API const char *rsl_flag_object(const rsl_snapshot *snap, const rsl_flag_ref *ref,
				    const rsl_prepared *ctx, const char *fallback_json);
RSL_API int rsl_flag_evaluate(rsl_result *out, const rsl_snapshot *snap,
			      const rsl_flag_ref *ref, rsl_type expected,
			      const rsl_prepared *ctx, const rsl_value *fallback);

/* As the expected type of rsl_evaluate, rsl_evaluate_detail,
 * rsl_client_evaluate and rsl_client_detail: whatever type the flag has (no
 * TYPE_MISMATCH; value.type says which).  With fallback NULL, a flag not
 * served yields the zero boolean. */
#define RSL_ANY ((rsl_type)-1)

/* Static names: "TARGETING_MATCH", "FLAG_NOT_FOUND", "boolean"...; never
 * NULL ("UNKNOWN" / "unknown" for a value out of range).  Thread-safe. */
RSL_API const char *rsl_reason_name(rsl_reason r);
RSL_API const char *rsl_error_code_name(rsl_error_code e);
RSL_API const char *rsl_type_name(rsl_type t);

/* ----------------------------------------------------------------- explain */

#define RSL_EXPLAIN_TEXT 0
#define RSL_EXPLAIN_JSON 1

/*
 * Writes a trace of the evaluation of key for ctx into buf (always
 * NUL-terminated when cap > 0): the snapshot's environment, version and
 * commit; each rule in order, whether it matched and if not which condition
 * failed with which attribute value; the bucket and thresholds of a split;
 * the result; and the source file:line of every rule.  format is
 * RSL_EXPLAIN_TEXT or RSL_EXPLAIN_JSON.  Returns the length the full trace
 * needs (excluding the NUL), like snprintf: a result >= cap means it was
 * truncated.  buf may be NULL only with cap 0 (to learn the length).
 *
 * Bounded: a context value is shown up to its first 64 bytes, then
 * "…(4096 bytes)" (its length); a trace never exceeds RSL_EXPLAIN_MAX
 * bytes: a longer one is cut there and ends with the line
 * "…(trace cut at 65536 bytes)" (a cut JSON trace is not valid JSON), and
 * the length returned is never above RSL_EXPLAIN_MAX, so a buffer of
 * RSL_EXPLAIN_MAX + 1 bytes always holds the whole answer.  The trace is
 * UTF-8 whatever bytes the context holds: a byte that begins no well-formed
 * sequence is shown as U+FFFD; control characters are escaped (\u00XX).  Its
 * work is bounded like the evaluation's (a small multiple of the flag's cost,
 * plus the text written).  Does not allocate; thread-safe.
 */
#define RSL_EXPLAIN_MAX 65536
RSL_API size_t rsl_explain(char *buf, size_t cap, const rsl_snapshot *snap,
			   const char *key, const rsl_context *ctx, int format);

/* ------------------------------------------------------------- live client */

/*
 * rsl_client: a long-lived handle serving the snapshot at one path while
 * the file is replaced underneath it, for applications that run for weeks.
 *
 * A background thread watches the file's directory (inotify: a rename into
 * place, and the `..data` symlink swap of Kubernetes ConfigMap and Secret
 * volumes), with stat polling every poll_interval_ms as a fallback.  Each new
 * file is read into private memory (never mapped), verified on the side and
 * swapped in atomically; evaluations in other threads go on during the swap,
 * take no lock, and always see one whole snapshot.  The old snapshot is
 * closed once no reader holds it.
 *
 * A new file is refused, and the snapshot being served stays, when it is
 * unreadable, unsafe, corrupt, wrongly signed, for another environment
 * (RSL_E* of rsl_open), older than the one served (RSL_EROLLBACK) or the
 * same version with different content (RSL_EREPLAY).  See docs/operations.md.
 */
typedef struct rsl_client rsl_client;

/* Option flags (rsl_client_options.flags). */
#define RSL_CLIENT_NO_THREAD 0x1u      /* no background thread: the application
                                          calls rsl_client_refresh() itself */
#define RSL_CLIENT_POLL_ONLY 0x2u      /* no inotify: stat polling only */
#define RSL_CLIENT_FAIL_CLOSED 0x4u    /* past expires_at serve the callers'
                                          fallbacks (PROVIDER_NOT_READY) instead
                                          of the stale snapshot */
#define RSL_CLIENT_ALLOW_ROLLBACK 0x8u /* operator override for emergencies:
                                          accept RSL_EROLLBACK / RSL_EREPLAY
                                          files, loudly (event + status) */
/* 0x10u is RSL_CLIENT_TESTING, a test hook: see rsl_testing.h. */

/* Event names.  Refresh outcomes are Rulestead's own; flag evaluations use
 * OpenTelemetry's feature-flag event name and attributes. */
#define RSL_EVENT_ACCEPTED "rulestead.snapshot.accepted"  /* now serving it */
#define RSL_EVENT_REFUSED "rulestead.snapshot.refused"    /* kept the old one */
#define RSL_EVENT_STALE "rulestead.snapshot.stale"        /* past expires_at */
#define RSL_EVENT_ROLLBACK_OVERRIDE "rulestead.snapshot.rollback_override"
#define RSL_EVENT_BACKUP_FAILED "rulestead.backup.failed"
/* RSL_EVENT_TEST_OVERRIDE: see rsl_testing.h. */
#define RSL_EVENT_EVALUATION "feature_flag.evaluation"   /* flag not found */

/* One event.  Every pointer is valid during the callback only. */
typedef struct rsl_client_event {
	const char *name;       /* RSL_EVENT_* */
	int code;               /* RSL_OK, or the RSL_E* code of a refusal */
	const char *message;    /* one line; never NULL */
	const char *path;       /* the file concerned, or NULL */
	uint64_t version;       /* the snapshot concerned, 0 when unknown */
	const char *commit;     /* its commit, or NULL */
	const char *flag_key;   /* feature_flag.key (evaluation events) or NULL */
	const char *error_type; /* error.type, e.g. "flag_not_found", or NULL */
} rsl_client_event;

/*
 * Called for each event: from the background thread, from the thread that
 * called rsl_client_new / rsl_client_refresh / rsl_client_override
 * (rsl_testing.h), and (for
 * RSL_EVENT_EVALUATION) from an evaluating thread, so possibly from several
 * threads at once.  The callback may: evaluate (any client; a flag not found
 * inside an RSL_EVENT_EVALUATION callback emits no further event), hold and
 * release, read the status, log.  It must not: call rsl_client_new,
 * rsl_client_refresh, rsl_client_override* or rsl_client_free (on any
 * client: they may wait for a grace period the callback's thread is part
 * of), nor block for long (it delays reloads, or the evaluating thread).
 * RSL_EVENT_EVALUATION (a flag not found) is emitted at most 10 times a
 * second per client; every miss is still counted in the status.
 */
typedef void (*rsl_client_event_fn)(const rsl_client_event *ev, void *user);

#define RSL_CLIENT_OPTIONS_VERSION 1

typedef struct rsl_client_options {
	unsigned version;            /* RSL_CLIENT_OPTIONS_VERSION */
	const rsl_keyring *keys;     /* the trusted keys; must outlive the client;
	                                required unless path is NULL (testing) */
	const char *environment;     /* refuse snapshots of another env; NULL: any */
	const char *backup_path;     /* keep a copy of each accepted snapshot here
	                                (written atomically); loaded at start */
	unsigned poll_interval_ms;   /* stat polling and expiry checks; 0: 1000 */
	unsigned flags;              /* RSL_CLIENT_* */
	size_t max_size;             /* bytes; 0: RSL_DEFAULT_MAX_SIZE */
	rsl_client_event_fn on_event;/* NULL: no events */
	void *event_user;            /* passed to on_event */
} rsl_client_options;

#define RSL_CLIENT_OPTIONS_INIT \
	{ RSL_CLIENT_OPTIONS_VERSION, NULL, NULL, NULL, 0u, 0u, 0u, NULL, NULL }

/*
 * Creates a client serving the snapshot at path (opts copied; strings
 * copied; keys kept by pointer).  At start the backup (if any) is loaded
 * first, then path is examined with the usual rules, so that a node that
 * restarts never goes back below what it last accepted; when neither is
 * valid the client serves the callers' fallbacks with PROVIDER_NOT_READY
 * and recovers as soon as a valid file appears.  Unless
 * RSL_CLIENT_NO_THREAD, starts the watching thread.
 * Returns RSL_OK (even when nothing could be loaded: err, when given, then
 * holds the first refusal, and err->code is RSL_OK when a snapshot is
 * served), RSL_EINVAL (no keys or an empty keyring, under which no snapshot
 * could ever be accepted; a bad options version; path NULL without
 * RSL_CLIENT_TESTING, or RSL_CLIENT_TESTING without RSL_TESTING=1 in the
 * process environment), RSL_ENOMEM, or RSL_EIO (the thread could not start).
 * path NULL with RSL_CLIENT_TESTING makes an in-memory client that serves
 * only what rsl_client_override_value sets (both in rsl_testing.h).  RSL_EINVAL also when out is
 * NULL, and when the calling thread holds any client (rsl_client_hold: the
 * start waits for a grace period, which would wait for the caller).
 * on_event may be called, from this thread, before rsl_client_new returns
 * and so before *out is set.  Thread-safe against other clients' calls;
 * create each client once.
 *
 * fork(): the child process keeps only the calling thread.  Its clients
 * keep serving what they served, but no longer watch the file (no thread:
 * status watch "none"); call rsl_client_refresh, or free them and create
 * new ones.  Holds of other threads are dropped in the child (those threads
 * do not exist there); the forking thread's own holds stay.  Calling
 * rsl_client_free in the child does not wait for the parent's thread.
 */
RSL_API int rsl_client_new(rsl_client **out, const char *path,
			   const rsl_client_options *opts, rsl_error *err);

/* Stops the thread, waits for it and for the readers of replaced snapshots
 * still in memory, and closes every snapshot.  No call on the client may
 * run or follow, and the calling thread must not hold any client (it would
 * wait for itself).  Accepts NULL. */
RSL_API void rsl_client_free(rsl_client *c);

/*
 * Examines the file now (read and hashed even if stat says unchanged) and
 * the expiry, as the background thread does.  Returns RSL_OK when the file
 * was accepted or is what is already served, or the RSL_E* code of the
 * refusal (err filled; the served snapshot stays).  An accepted file is
 * served to every thread before this returns, without waiting for readers
 * of the snapshot it replaces (see rsl_client_hold); but with 8 replaced
 * snapshots still held by readers, it waits for them.  RSL_EINVAL when the
 * calling thread holds the client (it might wait for itself).
 * Thread-safe (serialized with the background thread).
 */
RSL_API int rsl_client_refresh(rsl_client *c, rsl_error *err);

/*
 * Typed evaluation against the snapshot being served: like rsl_bool,
 * rsl_int, rsl_float; the fallback when nothing is served (or it is stale
 * and RSL_CLIENT_FAIL_CLOSED).  No lock, no allocation, with one exception:
 * the first evaluation (or hold) of each thread registers the thread with
 * the library (a reader slot, and a pthread key value, which may allocate
 * once per thread).  Counted in the status.  c may be NULL: the fallback
 * (PROVIDER_NOT_READY).  Thread-safe; never waits for a reload.
 */
RSL_API int rsl_client_bool(rsl_client *c, const char *key,
			    const rsl_context *ctx, int fallback);
RSL_API int64_t rsl_client_int(rsl_client *c, const char *key,
			       const rsl_context *ctx, int64_t fallback);
RSL_API double rsl_client_float(rsl_client *c, const char *key,
				const rsl_context *ctx, double fallback);

/*
 * String and object (JSON text) flags: the value, or fallback (NULL counts
 * as ""), is copied into out (always NUL-terminated when cap > 0), because a
 * pointer into a snapshot could be freed by the next reload.  Returns the
 * value's length, like snprintf: >= cap means it was truncated.  To use
 * snapshot strings in place, hold the client (rsl_client_hold).  c may be
 * NULL: the fallback.  Thread-safe; no lock, no allocation (but for a
 * thread's first evaluation, see rsl_client_bool).
 */
RSL_API size_t rsl_client_string(char *out, size_t cap, rsl_client *c,
				 const char *key, const rsl_context *ctx,
				 const char *fallback);
RSL_API size_t rsl_client_object(char *out, size_t cap, rsl_client *c,
				 const char *key, const rsl_context *ctx,
				 const char *fallback_json);

/*
 * The typed calls above with a prepared context (rsl_context_prepare; NULL:
 * the empty context): the same values, fallbacks, copies, counters and
 * events, with the prepared context's cheaper evaluation (no per-call checks
 * of the context, attributes found by hash).  A context bound
 * (rsl_context_bind) to the snapshot being served finds its attributes by
 * number; after a reload it finds them by hash until bound again, which
 * changes no decision (rsl_client_hold gives the snapshot to bind to).
 * Thread-safe as the calls above; the prepared context is only read.
 */
RSL_API int rsl_client_prepared_bool(rsl_client *c, const char *key,
				     const rsl_prepared *ctx, int fallback);
RSL_API int64_t rsl_client_prepared_int(rsl_client *c, const char *key,
					const rsl_prepared *ctx, int64_t fallback);
RSL_API double rsl_client_prepared_float(rsl_client *c, const char *key,
					 const rsl_prepared *ctx, double fallback);
RSL_API size_t rsl_client_prepared_string(char *out, size_t cap, rsl_client *c,
					  const char *key, const rsl_prepared *ctx,
					  const char *fallback);
RSL_API size_t rsl_client_prepared_object(char *out, size_t cap, rsl_client *c,
					  const char *key, const rsl_prepared *ctx,
					  const char *fallback_json);

/*
 * Detailed evaluation, like rsl_evaluate (PROVIDER_NOT_READY when nothing is
 * served).  The strings in *out (value.s, variant, rule_name, file) point
 * into the served snapshot: valid until the calling thread's
 * rsl_client_release() when it holds the client, and otherwise only until
 * the next reload, which may come at any moment: hold the client to read
 * them.  c may be NULL (PROVIDER_NOT_READY and the fallback).  Returns
 * RSL_OK, or RSL_ESTRICT as rsl_evaluate with ctx->strict.  Thread-safe;
 * no lock, no allocation (but for a thread's first evaluation).
 */
RSL_API int rsl_client_evaluate(rsl_result *out, rsl_client *c,
				const char *key, rsl_type expected,
				const rsl_context *ctx,
				const rsl_value *fallback);

/* rsl_explain against the served snapshot (a one-line "no snapshot"
 * trace when none, or when c is NULL).  Returns the length needed, like
 * snprintf.  Thread-safe; no lock, no allocation. */
RSL_API size_t rsl_client_explain(char *buf, size_t cap, rsl_client *c,
				  const char *key, const rsl_context *ctx,
				  int format);

/*
 * Pins the snapshot being served for the calling thread and returns it
 * (NULL when none), for a request that wants one consistent snapshot for
 * several evaluations, or snapshot strings in place: use it with the rsl_*
 * calls.  Valid until the calling thread's matching rsl_client_release().
 * Holds nest.  A hold never delays a reload: the new snapshot is served to
 * other threads at once, and the one held (like the one a slow evaluation
 * reads) is closed only after every hold and evaluation that began before
 * the reload has ended.  Hold for a request, not longer: until then each
 * replaced snapshot stays in memory (status snapshots_retiring; past 8 per
 * client, the next reload of that client waits for the readers), and do
 * not call rsl_client_new, rsl_client_refresh, rsl_client_override* or
 * rsl_client_free while holding (RSL_EINVAL for the first three).  A thread
 * that exits while holding ends its holds.  c NULL: returns NULL and holds
 * nothing.  Thread-safe; no lock.
 */
RSL_API const rsl_snapshot *rsl_client_hold(rsl_client *c);
/* Ends the calling thread's innermost rsl_client_hold() (nothing when c is
 * NULL or the thread holds nothing).  Thread-safe: it touches only the
 * calling thread's state. */
RSL_API void rsl_client_release(rsl_client *c);

/*
 * rsl_detail: a detailed evaluation whose strings the caller owns, for
 * bindings and for anyone keeping a result past a reload.  Every string
 * (the value's text, variant, rule_name, file, and the deciding snapshot's
 * environment and commit) is a NUL-terminated copy inside the detail: in
 * its own storage when they fit together in RSL_DETAIL_STORAGE bytes
 * (always, but for long string or object values), else in one block
 * allocated for them.  So:
 *  - call rsl_detail_free(&d) once done with d (it frees only that block,
 *    if any, and accepts a detail that needed none); a detail reused for
 *    another evaluation must be freed first, or the block leaks;
 *  - pass it by pointer, never copy the struct: its pointers point into it.
 * Nothing in it points into a snapshot: a reload, rsl_client_free or
 * rsl_close never invalidates it.
 */
#define RSL_DETAIL_STORAGE 1024

typedef struct rsl_detail {
	rsl_value value;          /* as rsl_result; value.s (STRING, OBJECT as JSON
	                             text; also a fallback's) is a copy, value.len
	                             bytes, NUL-terminated; NULL for other types */
	const char *variant;      /* NULL when the fallback was served */
	rsl_reason reason;
	rsl_error_code error;
	int rule_index;           /* 0-based rule that decided; -1 for none */
	const char *rule_name;    /* NULL for none */
	const char *file;         /* source file of the deciding rule, default or
	                             definition; NULL when unknown */
	uint32_t line;
	uint32_t bucket;          /* 0..99999 when a split decided, else UINT32_MAX */
	/* The snapshot evaluated (for OpenFeature's flag metadata); NULL, NULL,
	 * 0 when none was (not ready, or c NULL). */
	const char *environment;
	const char *commit;
	uint64_t version;
	/* Private: the storage the pointers above point into. */
	char *heap_;
	char storage_[RSL_DETAIL_STORAGE];
} rsl_detail;

/*
 * rsl_evaluate into a detail: the same decision, with every string copied
 * into *out (see rsl_detail) and the snapshot's environment, commit and
 * version.  expected may be RSL_ANY.  Returns RSL_OK, RSL_ESTRICT as
 * rsl_evaluate with ctx->strict (*out filled either way), RSL_EINVAL (out
 * NULL), or RSL_ENOMEM when the strings needed a block that could not be
 * allocated (*out then holds reason ERROR, error GENERAL, the zero value
 * of the type with value.s "" for text types, and no other string; nothing
 * to free).  Allocates only for strings past RSL_DETAIL_STORAGE bytes;
 * thread-safe.
 */
RSL_API int rsl_evaluate_detail(rsl_detail *out, const rsl_snapshot *snap,
				const char *key, rsl_type expected,
				const rsl_context *ctx, const rsl_value *fallback);

/*
 * rsl_client_evaluate into a detail: the decision of the snapshot served
 * at that moment, copied (with that snapshot's environment, commit and
 * version) before anything can free it, counted in the status like any
 * evaluation.  c may be NULL (PROVIDER_NOT_READY and the fallback).
 * Returns as rsl_evaluate_detail.  Thread-safe; no lock; allocates only
 * for long strings (and a thread's first evaluation, see rsl_client_bool).
 */
RSL_API int rsl_client_detail(rsl_detail *out, rsl_client *c, const char *key,
			      rsl_type expected, const rsl_context *ctx,
			      const rsl_value *fallback);

/* Frees what a detail allocated for long strings (nothing for most), and
 * clears its pointers.  NULL: nothing.  Not thread-safe against other uses
 * of the same detail. */
RSL_API void rsl_detail_free(rsl_detail *d);

/* --------------------------------------------------------- listing flags */

/* One flag of a snapshot, as a tool or an OpenFeature provider lists it.
 * (Snapshots carry no descriptions.) */
typedef struct rsl_flag_desc {
	const char *key;
	rsl_type type;
	size_t variant_count;
	const char *off_variant;     /* served when disabled or not configured */
	const char *default_variant; /* served when no rule matches, when that is
	                                one variant (the targeting's default, or
	                                off_variant when disabled or not
	                                configured); NULL for a split or a
	                                schedule */
	int configured;              /* has targeting in the snapshot's environment */
	int enabled;                 /* configured and not switched off */
	size_t rule_count;
	const char *file;            /* definition file, relative to the ruleset */
	uint32_t line;               /* of the definition's key */
} rsl_flag_desc;

/*
 * The i-th flag (0 <= i < rsl_info.flag_count; in key order) into *out,
 * whose strings are the snapshot's: valid until rsl_close().  Returns
 * RSL_OK, or RSL_EINVAL (out or snap NULL, i out of range).  Thread-safe;
 * no allocation.
 */
RSL_API int rsl_snapshot_flag(rsl_flag_desc *out, const rsl_snapshot *snap,
			      size_t i);

/* Every flag of the snapshot a client serves, copied out: count, the
 * snapshot's version and environment, flags[0..count) in key order. */
typedef struct rsl_flag_list {
	size_t count;
	uint64_t version;            /* 0 when nothing is served */
	const char *environment;     /* "" when nothing is served */
	rsl_flag_desc *flags;
} rsl_flag_list;

/*
 * Lists the flags of the snapshot c serves into a new list *out (one
 * allocation holding the array and every string: free it with
 * rsl_flag_list_free; a reload never invalidates it).  Nothing served (or
 * c NULL): RSL_OK and an empty list (version 0).  Returns RSL_OK, RSL_EINVAL
 * (out NULL) or RSL_ENOMEM (*out NULL).  Thread-safe; takes no lock (the
 * snapshot is held while it is copied).
 */
RSL_API int rsl_client_flags(rsl_flag_list **out, rsl_client *c);
/* Frees a list of rsl_client_flags.  NULL: nothing. */
RSL_API void rsl_flag_list_free(rsl_flag_list *list);

/* What the client serves and how it got there.  All strings are copies. */
typedef struct rsl_client_status {
	int ready;             /* a snapshot is being served */
	int stale;             /* the loaded snapshot is past its expires_at */
	int failing_closed;    /* stale with RSL_CLIENT_FAIL_CLOSED: fallbacks served */
	int rollback_override; /* it was accepted through RSL_CLIENT_ALLOW_ROLLBACK */
	int from_backup;       /* it came from the backup path, not the primary */
	int testing;           /* RSL_CLIENT_TESTING: overrides possible */
	const char *watch;     /* "inotify", "poll" or "none" (static string) */
	uint64_t version;      /* of the loaded snapshot; 0 when none */
	char environment[72];
	char commit[48];
	char key_id[17];
	size_t flag_count;
	int64_t issued_at;
	int64_t expires_at;    /* 0: does not expire */
	int64_t loaded_at;     /* when it was accepted (seconds since the epoch) */
	int64_t age;           /* seconds since issued_at */
	char content_hash[65]; /* BLAKE2b-256 of the file, hex */
	const char *last_outcome; /* the last new file examined: "accepted",
	                             "refused", "unchanged" (the served content
	                             again after a refusal), or "none" (static) */
	int last_code;         /* its RSL_OK / RSL_E* code */
	char last_error[256];  /* its message when refused, else "" */
	int64_t last_refresh_at;  /* when a file was last examined */
	uint64_t evaluations;  /* evaluations through the client */
	uint64_t misses;       /* of them, flag not found */
	uint64_t errors;       /* of them, any other error (not ready, type
	                          mismatch, invalid context, and
	                          TARGETING_KEY_MISSING, which still serves a value) */
	uint64_t reloads_accepted;
	uint64_t reloads_refused;
	size_t snapshots_retiring; /* replaced, still in memory: closed once the
	                              evaluations and holds that began before
	                              the reload end (seen at the next poll or
	                              refresh); past 8, the reload that adds one
	                              waits for the readers and closes them all */
} rsl_client_status;

/* Fills *out (all zero, watch and last_outcome "none", when c is NULL).
 * Thread-safe, also while holding the client; it never waits for a reload
 * (the writers copy the status under a lock of its own, held only for the
 * copy).  The counters are read without stopping evaluations, so they may
 * lag by the evaluations in flight. */
RSL_API void rsl_client_status_get(rsl_client_status *out, rsl_client *c);

#ifdef __cplusplus
}
#endif
#endif
