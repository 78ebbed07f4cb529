"""Builds rulestead._rsl: the cffi extension (API mode) that binds librsl.

The declarations below are the part of loader/rsl.h the binding calls.  In API
mode the C compiler compiles them against rsl.h itself (every struct ends in
"...;" and every constant is "..."), so a declaration that drifts from the
header fails the build instead of reading the wrong bytes.

    /usr/bin/python3 bindings/python/rulestead_build.py \
        --include loader --static build/librsl.a --out build/python

(what `make bindings-python` runs) links the static library into the
extension: nothing to install beside it.  setup.py (pip install) instead
builds against an installed librsl, found with `pkg-config rsl`, through
the module-level ffibuilder below (cffi_modules).
"""
import argparse
import os
import shlex
import subprocess
import sys

import cffi

HERE = os.path.dirname(os.path.abspath(__file__))

CDEF = r"""
#define RSL_OK ...
#define RSL_EINVAL ...
#define RSL_ESTRICT ...
#define RSL_EXPLAIN_TEXT ...
#define RSL_EXPLAIN_JSON ...
#define RSL_EXPLAIN_MAX ...
#define RSL_CLIENT_OPTIONS_VERSION ...
#define RSL_CLIENT_NO_THREAD ...
#define RSL_CLIENT_POLL_ONLY ...
#define RSL_CLIENT_FAIL_CLOSED ...
#define RSL_CLIENT_ALLOW_ROLLBACK ...

typedef int... rsl_attr_type;
typedef int... rsl_reason;
typedef int... rsl_error_code;
typedef int... rsl_type;
#define RSL_ATTR_STRING ...
#define RSL_ATTR_NUMBER ...
#define RSL_ATTR_BOOL ...
#define RSL_ATTR_LIST ...
#define RSL_BOOLEAN ...
#define RSL_STRING ...
#define RSL_INTEGER ...
#define RSL_FLOAT ...
#define RSL_OBJECT ...
#define RSL_ERR_NONE ...

static const char *const RSL_EVENT_ACCEPTED;
static const char *const RSL_EVENT_REFUSED;
static const char *const RSL_EVENT_STALE;
static const char *const RSL_EVENT_ROLLBACK_OVERRIDE;
static const char *const RSL_EVENT_BACKUP_FAILED;
static const char *const RSL_EVENT_EVALUATION;
const char *rsl_version_string(void);

typedef struct { int code; char message[256]; ...; } rsl_error;
const char *rsl_strerror(int code);

typedef struct rsl_keyring rsl_keyring;
int rsl_keyring_new(rsl_keyring **out);
int rsl_keyring_add_pem(rsl_keyring *kr, const char *pem, size_t len,
                        rsl_error *err);
int rsl_keyring_add_pem_file(rsl_keyring *kr, const char *path,
                             rsl_error *err);
void rsl_keyring_free(rsl_keyring *kr);

typedef struct rsl_snapshot rsl_snapshot;

typedef struct {
    const char *name;
    rsl_attr_type type;
    const char *s;
    double n;
    int b;
    const char *const *list;
    size_t len;
    ...;
} rsl_attr;

typedef struct {
    const char *targeting_key;
    const char *tenant_key;
    const char *environment;
    const char *request_id;
    const char *session_id;
    const rsl_attr *attrs;
    size_t nattrs;
    int64_t now;
    int strict;
    ...;
} rsl_context;

typedef struct {
    rsl_type type;
    int b;
    int64_t i;
    double f;
    const char *s;
    size_t len;
    ...;
} rsl_value;

typedef struct {
    rsl_value value;
    const char *variant;
    rsl_reason reason;
    rsl_error_code error;
    int rule_index;
    const char *rule_name;
    const char *file;
    uint32_t line;
    uint32_t bucket;
    ...;
} rsl_result;

int rsl_evaluate(rsl_result *out, const rsl_snapshot *snap, const char *key,
                 rsl_type expected, const rsl_context *ctx,
                 const rsl_value *fallback);
#define RSL_ANY ...

typedef struct {
    rsl_value value;
    const char *variant;
    rsl_reason reason;
    rsl_error_code error;
    int rule_index;
    const char *rule_name;
    const char *file;
    uint32_t line;
    uint32_t bucket;
    const char *environment;
    const char *commit;
    uint64_t version;
    ...;
} rsl_detail;
void rsl_detail_free(rsl_detail *d);

typedef struct {
    const char *key;
    rsl_type type;
    size_t variant_count;
    const char *off_variant;
    const char *default_variant;
    int configured;
    int enabled;
    size_t rule_count;
    const char *file;
    uint32_t line;
    ...;
} rsl_flag_desc;

typedef struct {
    size_t count;
    uint64_t version;
    const char *environment;
    rsl_flag_desc *flags;
    ...;
} rsl_flag_list;
void rsl_flag_list_free(rsl_flag_list *list);

const char *rsl_reason_name(rsl_reason r);
const char *rsl_error_code_name(rsl_error_code e);
const char *rsl_type_name(rsl_type t);

typedef struct {
    uint32_t format;
    const char *environment;
    uint64_t version;
    int64_t issued_at;
    int64_t expires_at;
    const char *commit;
    ...;
} rsl_info;
void rsl_snapshot_info(rsl_info *out, const rsl_snapshot *snap);

typedef struct rsl_client rsl_client;

typedef struct {
    const char *name;
    int code;
    const char *message;
    const char *path;
    uint64_t version;
    const char *commit;
    const char *flag_key;
    const char *error_type;
    ...;
} rsl_client_event;

typedef void (*rsl_client_event_fn)(const rsl_client_event *ev, void *user);

typedef struct {
    unsigned version;
    const rsl_keyring *keys;
    const char *environment;
    const char *backup_path;
    unsigned poll_interval_ms;
    unsigned flags;
    size_t max_size;
    rsl_client_event_fn on_event;
    void *event_user;
    ...;
} rsl_client_options;

int rsl_client_new(rsl_client **out, const char *path,
                   const rsl_client_options *opts, rsl_error *err);
void rsl_client_free(rsl_client *c);
int rsl_client_refresh(rsl_client *c, rsl_error *err);
int rsl_client_bool(rsl_client *c, const char *key, const rsl_context *ctx,
                    int fallback);
int64_t rsl_client_int(rsl_client *c, const char *key, const rsl_context *ctx,
                       int64_t fallback);
double rsl_client_float(rsl_client *c, const char *key,
                        const rsl_context *ctx, double fallback);
size_t rsl_client_string(char *out, size_t cap, rsl_client *c,
                         const char *key, const rsl_context *ctx,
                         const char *fallback);
size_t rsl_client_object(char *out, size_t cap, rsl_client *c,
                         const char *key, const rsl_context *ctx,
                         const char *fallback_json);
int rsl_client_evaluate(rsl_result *out, rsl_client *c, const char *key,
                        rsl_type expected, const rsl_context *ctx,
                        const rsl_value *fallback);
size_t rsl_client_explain(char *buf, size_t cap, rsl_client *c,
                          const char *key, const rsl_context *ctx, int format);
const rsl_snapshot *rsl_client_hold(rsl_client *c);
void rsl_client_release(rsl_client *c);

typedef struct {
    int ready;
    int stale;
    int failing_closed;
    int rollback_override;
    int from_backup;
    int testing;
    const char *watch;
    uint64_t version;
    char environment[72];
    char commit[48];
    char key_id[17];
    size_t flag_count;
    int64_t issued_at;
    int64_t expires_at;
    int64_t loaded_at;
    int64_t age;
    char content_hash[65];
    const char *last_outcome;
    int last_code;
    char last_error[256];
    int64_t last_refresh_at;
    uint64_t evaluations;
    uint64_t misses;
    uint64_t errors;
    uint64_t reloads_accepted;
    uint64_t reloads_refused;
    size_t snapshots_retiring;
    ...;
} rsl_client_status;
void rsl_client_status_get(rsl_client_status *out, rsl_client *c);

/* rulestead_guard.h */
typedef struct { ...; } pyrsl;
rsl_client *pyrsl_enter(pyrsl *w);
void pyrsl_leave(pyrsl *w, rsl_client *c);
int pyrsl_open(pyrsl *w, const char *path, const rsl_client_options *o,
               rsl_error *err);
int pyrsl_close(pyrsl *w);
_Bool pyrsl_bool(pyrsl *w, const char *key, const rsl_context *ctx,
                 int fallback);
int64_t pyrsl_int(pyrsl *w, const char *key, const rsl_context *ctx,
                  int64_t fallback);
double pyrsl_float(pyrsl *w, const char *key, const rsl_context *ctx,
                   double fallback);
size_t pyrsl_text(char *out, size_t cap, pyrsl *w, const char *key,
                  const rsl_context *ctx, const char *fallback, int object);
size_t pyrsl_explain(char *buf, size_t cap, pyrsl *w, const char *key,
                     const rsl_context *ctx, int format);
int pyrsl_detail(rsl_detail *out, pyrsl *w, const char *key,
                 rsl_type expected, const rsl_context *ctx,
                 const rsl_value *fallback);
int pyrsl_flags(rsl_flag_list **out, pyrsl *w);
int pyrsl_refresh(pyrsl *w, rsl_error *err);
void pyrsl_status(rsl_client_status *out, pyrsl *w);

extern "Python" void rulestead_on_event(const rsl_client_event *ev,
                                        void *user);
"""


def make_ffi(include_dirs, extra_objects=(), libraries=(), library_dirs=(),
             extra_link_args=()):
    ffi = cffi.FFI()
    ffi.cdef(CDEF)
    ffi.set_source(
        "rulestead._rsl",
        '#include "rulestead_guard.h"\n',
        include_dirs=[HERE, *map(os.path.abspath, include_dirs)],
        extra_objects=[os.path.abspath(o) for o in extra_objects],
        libraries=list(libraries),
        library_dirs=list(library_dirs),
        extra_link_args=list(extra_link_args),
        extra_compile_args=["-std=c11"],
    )
    return ffi


def pkg_config(*args):
    out = subprocess.run(["pkg-config", *args], check=True,
                         capture_output=True, text=True).stdout
    return shlex.split(out)


def installed():
    """The builder for an installed librsl: pkg-config rsl's flags."""
    cflags = pkg_config("--cflags", "rsl")
    libs = pkg_config("--libs", "rsl")
    return make_ffi(
        [f[2:] for f in cflags if f.startswith("-I")],
        libraries=[f[2:] for f in libs if f.startswith("-l")],
        library_dirs=[f[2:] for f in libs if f.startswith("-L")],
        extra_link_args=[f"-Wl,-rpath,{f[2:]}" for f in libs
                         if f.startswith("-L")])


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--include", required=True,
                   help="directory that holds rsl.h")
    p.add_argument("--static", help="librsl.a to link into the extension")
    p.add_argument("--out", required=True,
                   help="directory to build in; the module lands in "
                        "OUT/rulestead/")
    a = p.parse_args(argv)
    if a.static:
        # librsl.a's own dependencies, as rsl.pc's Requires.private says.
        link = pkg_config("--libs", "libsodium", "libxxhash")
        ffi = make_ffi([a.include], extra_objects=[a.static],
                       extra_link_args=link + ["-lpthread", "-lm"])
    else:
        ffi = make_ffi([a.include], libraries=["rsl"])
    os.makedirs(a.out, exist_ok=True)
    ffi.compile(tmpdir=a.out, verbose=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
else:  # setup.py's cffi_modules = ["rulestead_build.py:ffibuilder"]
    ffibuilder = installed()
