/*
 * check_publish.c - rsc publish and the transports (issue 14) against real
 * components that the tests start on loopback: Debian's docker-registry
 * (the CNCF distribution registry) with a temporary config, skopeo to copy
 * an artifact out, and an S3-compatible server from npm
 * (@20minutes/s3rver: Debian has none, PyPI is out of reach here, and
 * unlike the original s3rver it checks SigV4 signatures, which
 * s3_wrong_secret_is_refused shows).  A component that cannot be had makes
 * its test print "skipped: <why>"; SigV4 is also checked against AWS's
 * published examples.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "configmap.h"
#include "oci.h"
#include "publish.h"
#include "rsl.h"
#include "s3.h"
#include "sigv4.h"
#include "testutil.h"

static const char *or_null(const char *s)
{
	return s ? s : "(null)";
}

#define ck_assert_has(text, want) \
	ck_assert_msg(strstr(or_null(text), (want)) != NULL, "expected \"%s\" in:\n%s", \
		      (want), or_null(text))

/* ------------------------------------------------------------- fixtures */

/* What the last rsc_in printed; freed by the next. */
static char *out_, *err_;

static int rsc_in(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rsc_in(const char *dir, const char *fmt, ...)
{
	char words[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(words, sizeof words, fmt, ap);
	va_end(ap);
	free(out_);
	free(err_);
	out_ = err_ = NULL;
	return tu_rsc(&out_, &err_, dir, "%s", words);
}

/* A ruleset committed twice (version 1 then a newer 2, both dev and prod),
 * a key pair, and their snapshots in DIR/v1 and DIR/v2. */
static char *two_versions(const char *name)
{
	char *d = tu_checkout_repo(name);
	tu_git_commit(d, "the flag", 1764000000);
	ck_assert_int_eq(rsc_in(d, "keygen --out k >/dev/null 2>&1"), 0);
	ck_assert_int_eq(rsc_in(d, "compile --root flags --key k.key --out v1"), 0);
	tu_write(d, "flags/environments/dev/new-checkout.yaml",
		 "enabled: true\ndefault: on\n");
	tu_git_commit(d, "on in dev", 1764000600);
	ck_assert_int_eq(rsc_in(d, "compile --root flags --key k.key --out v2"), 0);
	return d;
}

/* The environment of every test here: no credentials of the user's. */
static void clean_env(const char *dir)
{
	setenv("HOME", dir, 1);
	static const char *const drop[] = {
		"RSC_REGISTRY_USER", "RSC_REGISTRY_PASSWORD", "REGISTRY_AUTH_FILE", "DOCKER_CONFIG",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
		"AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "http_proxy", "https_proxy",
		"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy",
	};
	for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
		unsetenv(drop[i]);
}

/* The top of the tree, where the tests run: RSC_BIN is relative to it. */
static const char *top(void)
{
	static char dir[2048];
	if (!dir[0])
		ck_assert_ptr_nonnull(getcwd(dir, sizeof dir));
	return dir;
}

static int same_file(const char *a, const char *b)
{
	size_t la, lb;
	char *x = tu_read(a, &la), *y = tu_read(b, &lb);
	int same = x && y && la == lb && memcmp(x, y, la) == 0;
	free(x);
	free(y);
	return same;
}

/* -------------------------------------------------------------- servers */

typedef struct server {
	pid_t pid;
	int port;
} server;

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static int port_open(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok;
}

/* Starts argv with stdout to out_fd (or the log file), stderr to log; the
 * child dies with the test process that started it. */
static pid_t spawn(char *const argv[], const char *log, int out_fd)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		int lf = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int nf = open("/dev/null", O_RDONLY);
		dup2(nf, 0);
		dup2(out_fd >= 0 ? out_fd : lf, 1);
		dup2(lf, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static void server_stop(server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
}

static int have(const char *cmd)
{
	char sh[256];
	snprintf(sh, sizeof sh, "command -v %s >/dev/null 2>&1", cmd);
	return tu_run(sh, NULL, NULL) == 0;
}

/* docker-registry on a free loopback port, storage under dir/registry;
 * with htpasswd, Basic authentication against that file.  0, or -1 with
 * why (the test then reports itself skipped). */
static int registry_start(server *s, const char *dir, const char *htpasswd, char *why,
			  size_t cap)
{
	if (!have("docker-registry")) {
		snprintf(why, cap, "docker-registry is not installed (ci/install-deps installs it)");
		return -1;
	}
	s->port = free_port();
	char conf[8192], path[1100], log[1100];
	int n = snprintf(conf, sizeof conf,
			 "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
			 "    rootdirectory: %s/registry\n  delete:\n    enabled: true\n"
			 "http:\n  addr: 127.0.0.1:%d\n", dir, s->port);
	if (htpasswd)
		snprintf(conf + n, sizeof conf - (size_t)n,
			 "auth:\n  htpasswd:\n    realm: rsc-test\n    path: %s\n", htpasswd);
	tu_write(dir, "registry.yml", conf);
	snprintf(path, sizeof path, "%s/registry.yml", dir);
	snprintf(log, sizeof log, "%s/registry.log", dir);
	char *argv[] = { (char *)"docker-registry", (char *)"serve", path, NULL };
	s->pid = spawn(argv, log, -1);
	for (int i = 0; i < 200; i++) {
		if (port_open(s->port))
			return 0;
		usleep(50 * 1000);
	}
	server_stop(s);
	snprintf(why, cap, "docker-registry did not listen on port %d (see %.300s)", s->port, log);
	return -1;
}

/* The build directory: where RSC_BIN is. */
static void build_dir(char out[512])
{
	snprintf(out, 512, "%s", RSC_BIN);
	char *slash = strrchr(out, '/');
	if (slash)
		*slash = '\0';
}

/* The S3 server of tests/s3 (npm ci into BUILD/s3 once), serving bucket
 * "flags" from dir/s3 on a free port.  0, or -1 with why. */
static int s3_start(server *s, const char *dir, char *why, size_t cap)
{
	if (!have("node") || !have("npm")) {
		snprintf(why, cap, "node or npm is not installed (ci/install-deps installs them)");
		return -1;
	}
	char b[512];
	build_dir(b);
	int rc = tu_sh("mkdir -p '%s/s3' && cp tests/s3/package.json tests/s3/package-lock.json "
		       "tests/s3/server.js '%s/s3/'", b, b);
	ck_assert_int_eq(rc, 0);
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "cd '%s/s3' && { [ -d node_modules/@20minutes/s3rver ] && "
		 "[ ! package-lock.json -nt node_modules/.package-lock.json ] || npm ci "
		 "--prefer-offline --no-audit --no-fund --loglevel=error; }", b);
	char *npm_err = NULL;
	if (tu_run(cmd, NULL, &npm_err) != 0) {
		snprintf(why, cap, "npm ci of the S3 server (tests/s3) failed: %.300s",
			 npm_err ? npm_err : "");
		free(npm_err);
		return -1;
	}
	free(npm_err);
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	char script[700], data[700], log[700];
	snprintf(script, sizeof script, "%s/s3/server.js", b);
	snprintf(data, sizeof data, "%s/s3", dir);
	snprintf(log, sizeof log, "%s/s3.log", dir);
	char *argv[] = { (char *)"node", script, data, (char *)"flags", NULL };
	s->pid = spawn(argv, log, fds[1]);
	close(fds[1]);
	char line[128] = "";
	size_t n = 0;
	struct pollfd p = { fds[0], POLLIN, 0 };
	while (n + 1 < sizeof line && !strchr(line, '\n') && poll(&p, 1, 20000) > 0) {
		ssize_t r = read(fds[0], line + n, sizeof line - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		line[n] = '\0';
	}
	close(fds[0]);
	if (sscanf(line, "port %d", &s->port) != 1) {
		server_stop(s);
		snprintf(why, cap, "the S3 server did not start (see %.300s)", log);
		return -1;
	}
	char ep[64];
	snprintf(ep, sizeof ep, "http://127.0.0.1:%d", s->port);
	setenv("AWS_ENDPOINT_URL", ep, 1);
	setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
	return 0;
}

#define SKIP_UNLESS(cond, what, why)                                  \
	do {                                                          \
		if (!(cond)) {                                        \
			fprintf(stderr, "skipped: %s: %s\n", what, why); \
			return;                                       \
		}                                                     \
	} while (0)

/* ---------------------------------------------------------------- SigV4 */

/* AWS's published examples: the IAM ListUsers request of the SigV4
 * reference, and the S3 GET (with Range) and PUT examples of the S3
 * header-based authentication page. */
START_TEST(sigv4_aws_examples)
{
	char auth[1024], sig[65];
	const char *iam[] = { "content-type:application/x-www-form-urlencoded; charset=utf-8",
			      "host:iam.amazonaws.com", "x-amz-date:20150830T123600Z" };
	rsc_sigv4 k1 = { "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1",
			 "iam", "20150830T123600Z" };
	char empty[65];
	rsc_sha256_hex(empty, "", 0);
	ck_assert_str_eq(empty, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	ck_assert_int_eq(rsc_sigv4_authorization(auth, sizeof auth, sig, &k1, "GET", "/",
						 "Action=ListUsers&Version=2010-05-08", iam, 3,
						 empty), 0);
	ck_assert_str_eq(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/"
			 "aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="
			 "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");

	rsc_sigv4 k2 = { "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
			 "us-east-1", "s3", "20130524T000000Z" };
	const char *get[] = { "host:examplebucket.s3.amazonaws.com", "range:bytes=0-9",
			      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
			      "x-amz-date:20130524T000000Z" };
	ck_assert_int_eq(rsc_sigv4_authorization(auth, sizeof auth, sig, &k2, "GET", "/test.txt",
						 "", get, 4, empty), 0);
	ck_assert_str_eq(sig, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");

	char payload[65], uri[64] = "/";
	rsc_sha256_hex(payload, "Welcome to Amazon S3.", 21);
	ck_assert_str_eq(payload, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
	ck_assert_int_eq(rsc_sigv4_uri_encode(uri, sizeof uri, "test$file.text"), 0);
	ck_assert_str_eq(uri, "/test%24file.text");
	const char *put[] = { "date:Fri, 24 May 2013 00:00:00 GMT",
			      "host:examplebucket.s3.amazonaws.com",
			      "x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
			      "x-amz-date:20130524T000000Z", "x-amz-storage-class:REDUCED_REDUNDANCY" };
	ck_assert_int_eq(rsc_sigv4_authorization(auth, sizeof auth, sig, &k2, "PUT", uri, "", put,
						 5, payload), 0);
	ck_assert_str_eq(sig, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
	/* Too small a buffer is refused, not cut. */
	ck_assert_int_eq(rsc_sigv4_authorization(auth, 40, NULL, &k2, "PUT", uri, "", put, 5,
						 payload), -1);
}
END_TEST

/* ----------------------------------------------------------- the command */

START_TEST(refuses_what_does_not_verify)
{
	char *d = two_versions("publish-refuse");
	clean_env(d);
	ck_assert_int_eq(tu_sh("mkdir -p '%s/dest' && cp '%s/v1/dev.rsnap' '%s/bad.rsnap' && "
			       "chmod u+w '%s/bad.rsnap' && printf x >> '%s/bad.rsnap'",
			       d, d, d, d, d), 0);
	/* One good and one damaged: nothing at all is published. */
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to file://dest v1/prod.rsnap "
				"bad.rsnap"), 1);
	ck_assert_has(err_, "rsc publish: bad.rsnap: does not verify, refusing to publish it: ");
	ck_assert_int_eq(tu_sh("[ -z \"$(ls -A '%s/dest')\" ]", d), 0);
	/* Another key: refused too. */
	ck_assert_int_eq(rsc_in(d, "keygen --out other >/dev/null 2>&1"), 0);
	ck_assert_int_eq(rsc_in(d, "publish --pub other.pub --to file://dest "
				"v1/dev.rsnap"), 1);
	ck_assert_has(err_, "(RSL_EKEY)");
	/* Usage: no --to, no --pub, an unknown scheme, --output elsewhere. */
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub v1/dev.rsnap"), 2);
	ck_assert_has(err_, "rsc publish: where to? give --to URL");
	ck_assert_int_eq(rsc_in(d, "publish --to file://dest v1/dev.rsnap"), 2);
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to ftp://x v1/dev.rsnap"), 2);
	ck_assert_has(err_, "expected oci://REGISTRY/REPO, s3://BUCKET/PREFIX, file://DIR or "
		      "configmap:NAME");
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to file://dest --output f "
				"v1/dev.rsnap"), 2);
	ck_assert_has(err_, "--output is for --to configmap:NAME only");
	ck_assert_int_eq(rsc_in(d, "publish --help"), 0);
	ck_assert_has(out_, "RSC_REGISTRY_USER");
	ck_assert_has(out_, "AWS_ENDPOINT_URL");
}
END_TEST

START_TEST(file_publish_versioned_first)
{
	char *d = two_versions("publish-file");
	clean_env(d);
	ck_assert_int_eq(tu_sh("mkdir -p '%s/dest'", d), 0);
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to file://dest v1/dev.rsnap "
				"v1/prod.rsnap"), 0);
	char *v = tu_line("cd '%s' && %s/%s verify --pub k.pub v1/dev.rsnap | sed -n "
			  "'s/  version *//p'", d, top(), RSC_BIN);
	char a[1024], b[1024];
	snprintf(a, sizeof a, "%s/dest/dev-%s.rsnap", d, v);
	snprintf(b, sizeof b, "%s/v1/dev.rsnap", d);
	ck_assert(same_file(a, b));
	snprintf(a, sizeof a, "%s/dest/dev.rsnap", d);
	ck_assert(same_file(a, b));
	/* The versioned name is written (and reported) before the one nodes follow. */
	char want[1200];
	snprintf(want, sizeof want, "published v1/dev.rsnap: dest/dev-%s.rsnap\n"
		 "published v1/dev.rsnap: dest/dev.rsnap\n", v);
	free(v);
	ck_assert_has(out_, want);
	/* A newer one replaces <env>.rsnap; the older version stays. */
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to file://dest v2/dev.rsnap"), 0);
	snprintf(b, sizeof b, "%s/v2/dev.rsnap", d);
	ck_assert(same_file(a, b));
	ck_assert_int_eq(tu_sh("[ $(ls '%s/dest' | wc -l) = 5 ] && [ -z \"$(ls -A '%s/dest' | "
			       "grep '^\\.')\" ]", d, d), 0);
	ck_assert_int_eq(rsc_in(d, "verify --pub k.pub dest/dev.rsnap dest/prod.rsnap"), 0);
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to file://nowhere "
				"v1/dev.rsnap"), 3);
	ck_assert_has(err_, "rsc publish: file://nowhere: not a directory");
}
END_TEST

START_TEST(configmap_manifest)
{
	char *d = two_versions("publish-configmap");
	clean_env(d);
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to configmap:fleet/flags "
				"v1/dev.rsnap v1/prod.rsnap"), 0);
	ck_assert_has(out_, "\"kind\": \"ConfigMap\"");
	ck_assert_has(out_, "\"namespace\": \"fleet\"");
	ck_assert_has(out_, "\"name\": \"flags\"");
	/* The binaryData decodes (with Debian's Python) to the snapshot's bytes. */
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to configmap:flags "
				"--output cm.json v1/dev.rsnap v1/prod.rsnap"), 0);
	ck_assert_int_eq(tu_sh("cd '%s' && /usr/bin/python3 -c 'import json, base64, sys; "
			       "m = json.load(open(\"cm.json\")); "
			       "sys.exit(base64.b64decode(m[\"binaryData\"][\"prod.rsnap\"]) != "
			       "open(\"v1/prod.rsnap\", \"rb\").read())'", d), 0);
	/* Two snapshots of one environment; bad names; over 1 MiB. */
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to configmap:flags "
				"v1/dev.rsnap v2/dev.rsnap"), 3);
	ck_assert_has(err_, "both for environment 'dev'; a ConfigMap holds one per environment");
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to configmap:Flags "
				"v1/dev.rsnap"), 2);
	ck_assert_has(err_, "the ConfigMap name 'Flags' is not a DNS subdomain");
	rsc_pub_snap big[2];
	memset(big, 0, sizeof big);
	static unsigned char bytes[700 * 1024];
	for (int i = 0; i < 2; i++) {
		big[i].path = i ? "b.rsnap" : "a.rsnap";
		snprintf(big[i].env, sizeof big[i].env, "%s", i ? "prod" : "dev");
		big[i].data = bytes;
		big[i].len = 400 * 1024; /* base64: 533 KiB each */
	}
	char e[512];
	size_t len;
	char *m = rsc_configmap_render("flags", "", big, 1, &len, e, sizeof e);
	ck_assert_ptr_nonnull(m);
	free(m);
	ck_assert_ptr_null(rsc_configmap_render("flags", "", big, 2, &len, e, sizeof e));
	ck_assert_has(e, "over the 1 MiB (1048576 bytes) Kubernetes allows");
	big[0].len = sizeof bytes; /* 700 KiB alone: base64 makes it 933 KiB, fits */
	m = rsc_configmap_render("flags", "", big, 1, &len, e, sizeof e);
	ck_assert_ptr_nonnull(m);
	free(m);
}
END_TEST

START_TEST(oci_manifest_is_deterministic)
{
	char *d = two_versions("publish-manifest");
	rsl_keyring *kr = NULL;
	char path[1024], e[512];
	ck_assert_int_eq(rsl_keyring_new(&kr), RSL_OK);
	snprintf(path, sizeof path, "%s/k.pub", d);
	ck_assert_int_eq(rsl_keyring_add_pem_file(kr, path, NULL), RSL_OK);
	snprintf(path, sizeof path, "%s/v1/prod.rsnap", d);
	rsc_pub_snap a, b;
	ck_assert_int_eq(rsc_pub_snap_load(&a, path, kr, e, sizeof e), 0);
	ck_assert_int_eq(rsc_pub_snap_load(&b, path, kr, e, sizeof e), 0);
	size_t la, lb;
	char *ma = rsc_oci_manifest(&a, &la), *mb = rsc_oci_manifest(&b, &lb);
	ck_assert_uint_eq(la, lb);
	ck_assert_mem_eq(ma, mb, la);
	char digest[65], want[200];
	rsc_sha256_hex(digest, a.data, a.len);
	snprintf(want, sizeof want, "\"digest\":\"sha256:%s\",\"mediaType\":\"%s\",\"size\":%zu}",
		 digest, RSC_OCI_LAYER_TYPE, a.len);
	ck_assert_has(ma, want);
	ck_assert_has(ma, "\"artifactType\":\"application/vnd.rulestead.snapshot.v1\"");
	ck_assert_has(ma, "\"mediaType\":\"application/vnd.oci.empty.v1+json\"");
	ck_assert_has(ma, "\"dev.rulestead.environment\":\"prod\"");
	ck_assert_has(ma, "\"org.opencontainers.image.created\":\"2025-11-24T16:00:00Z\"");
	snprintf(want, sizeof want, "\"org.opencontainers.image.revision\":\"%s\"", a.commit);
	ck_assert_has(ma, want);
	free(ma);
	free(mb);
	rsc_pub_snap_free(&a);
	rsc_pub_snap_free(&b);
	rsl_keyring_free(kr);
	/* Location syntax. */
	rsc_oci_loc loc;
	ck_assert_int_eq(rsc_oci_parse(&loc, "oci://registry.example.com/team/flags", e, sizeof e), 0);
	ck_assert_str_eq(loc.base, "https://registry.example.com");
	ck_assert_int_eq(rsc_oci_parse(&loc, "oci://localhost:5000/flags", e, sizeof e), 0);
	ck_assert_str_eq(loc.base, "http://localhost:5000");
	ck_assert_int_eq(rsc_oci_parse(&loc, "oci+http://10.0.0.5:5000/flags", e, sizeof e), 0);
	ck_assert_str_eq(loc.base, "http://10.0.0.5:5000");
	ck_assert_int_eq(rsc_oci_parse(&loc, "oci://host/", e, sizeof e), -1);
	ck_assert_int_eq(rsc_oci_parse(&loc, "oci://host/a//b", e, sizeof e), -1);
	ck_assert_int_eq(rsc_oci_parse(&loc, "oci://ho st/a", e, sizeof e), -1);
	rsc_s3_loc s3;
	ck_assert_int_eq(rsc_s3_parse(&s3, "s3://fleet-flags/prod/", e, sizeof e), 0);
	ck_assert_str_eq(s3.bucket, "fleet-flags");
	ck_assert_str_eq(s3.prefix, "prod");
	ck_assert_int_eq(rsc_s3_parse(&s3, "s3://Fleet/x", e, sizeof e), -1);
	ck_assert_int_eq(rsc_s3_parse(&s3, "s3://fleet/../x", e, sizeof e), -1);
}
END_TEST

/* ------------------------------------------------------------- registry */

/* rsc publish pushes; skopeo copies the artifact out and its layer passes
 * rsc verify; the fetch the agent polls with costs nothing while the tag
 * stays, and brings the newer snapshot once it is published. */
START_TEST(oci_publish_skopeo_and_fetch)
{
	char *d = two_versions("publish-oci"), why[512];
	clean_env(d);
	server reg = { 0, 0 };
	SKIP_UNLESS(registry_start(&reg, d, NULL, why, sizeof why) == 0, "oci publish", why);
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to oci://127.0.0.1:%d/team/flags "
				"v1/dev.rsnap v1/prod.rsnap", reg.port), 0);
	ck_assert_has(out_, " and :dev (sha256:");
	if (!have("skopeo")) {
		fprintf(stderr, "skipped: oci publish: skopeo copy: skopeo is not installed "
			"(ci/install-deps installs it)\n");
	} else {
		ck_assert_int_eq(tu_sh("cd '%s' && skopeo copy -q --src-tls-verify=false "
				       "docker://127.0.0.1:%d/team/flags:prod dir:copied",
				       d, reg.port), 0);
		char *layer = tu_line("cd '%s' && skopeo inspect --raw --tls-verify=false "
				      "docker://127.0.0.1:%d/team/flags:prod-$(%s/%s verify --pub "
				      "k.pub v1/prod.rsnap | sed -n 's/  version *//p') | "
				      "/usr/bin/python3 -c 'import json,sys; "
				      "print(json.load(sys.stdin)[\"layers\"][0][\"digest\"][7:])'",
				      d, reg.port, top(), RSC_BIN);
		ck_assert_int_eq(rsc_in(d, "verify --pub k.pub copied/%s", layer), 0);
		ck_assert_has(out_, "  environment  prod\n");
		char a[1024], b[1024];
		snprintf(a, sizeof a, "%s/copied/%s", d, layer);
		snprintf(b, sizeof b, "%s/v1/prod.rsnap", d);
		free(layer);
		ck_assert(same_file(a, b));
	}
	/* The agent's side. */
	rsc_oci_loc loc;
	char url[128], e[1024];
	snprintf(url, sizeof url, "oci://127.0.0.1:%d/team/flags", reg.port);
	ck_assert_int_eq(rsc_oci_parse(&loc, url, e, sizeof e), 0);
	rsc_fetched g1, g2, g3;
	ck_assert_int_eq(rsc_oci_fetch(&loc, "dev", NULL, 1 << 20, &g1, e, sizeof e), RSC_FETCH_NEW);
	char b[1024];
	snprintf(b, sizeof b, "%s/v1/dev.rsnap", d);
	size_t len;
	char *want = tu_read(b, &len);
	ck_assert_uint_eq(g1.len, len);
	ck_assert_mem_eq(g1.data, want, len);
	ck_assert_int_eq(strncmp(g1.tag, "sha256:", 7), 0);
	ck_assert_int_eq(rsc_oci_fetch(&loc, "dev", g1.tag, 1 << 20, &g2, e, sizeof e),
			 RSC_FETCH_UNCHANGED);
	ck_assert_ptr_null(g2.data);
	/* Bounded: a snapshot over max is refused, not downloaded. */
	ck_assert_int_eq(rsc_oci_fetch(&loc, "dev", NULL, 100, &g2, e, sizeof e), RSC_FETCH_ERROR);
	ck_assert_has(e, "bytes, over the limit of 100");
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to %s v2/dev.rsnap", url), 0);
	ck_assert_int_eq(rsc_oci_fetch(&loc, "dev", g1.tag, 1 << 20, &g3, e, sizeof e), RSC_FETCH_NEW);
	ck_assert_str_ne(g3.tag, g1.tag);
	snprintf(b, sizeof b, "%s/v2/dev.rsnap", d);
	free(want);
	want = tu_read(b, &len);
	ck_assert_mem_eq(g3.data, want, len);
	/* A tag that is not there: the registry's own error code. */
	ck_assert_int_eq(rsc_oci_fetch(&loc, "staging", NULL, 1 << 20, &g2, e, sizeof e),
			 RSC_FETCH_ERROR);
	ck_assert_has(e, "/v2/team/flags/manifests/staging: HTTP 404");
	free(want);
	free(g1.data);
	free(g3.data);
	server_stop(&reg);
	/* The registry gone: a one-line error, nothing else. */
	ck_assert_int_eq(rsc_oci_fetch(&loc, "dev", g1.tag, 1 << 20, &g2, e, sizeof e),
			 RSC_FETCH_ERROR);
	ck_assert_has(e, "Couldn't connect to server");
}
END_TEST

/* A registry with Basic authentication: no credentials is a clear refusal;
 * RSC_REGISTRY_USER/PASSWORD or the Docker config file's auths work; a
 * wrong password gets the registry's 401 and its error code. */
START_TEST(oci_basic_auth)
{
	char *d = two_versions("publish-oci-auth"), why[512];
	clean_env(d);
	SKIP_UNLESS(have("htpasswd"), "oci basic auth",
		    "htpasswd is not installed (ci/install-deps installs apache2-utils)");
	ck_assert_int_eq(tu_sh("htpasswd -Bbc '%s/htpasswd' alice 's3cret pass' 2>/dev/null", d), 0);
	char hp[1024];
	snprintf(hp, sizeof hp, "%s/htpasswd", d);
	server reg = { 0, 0 };
	SKIP_UNLESS(registry_start(&reg, d, hp, why, sizeof why) == 0, "oci basic auth", why);
	char to[128];
	snprintf(to, sizeof to, "oci://127.0.0.1:%d/team/flags", reg.port);
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to %s v1/dev.rsnap", to), 3);
	ck_assert_has(err_, "asks for credentials: set RSC_REGISTRY_USER and RSC_REGISTRY_PASSWORD");
	setenv("RSC_REGISTRY_USER", "alice", 1);
	setenv("RSC_REGISTRY_PASSWORD", "wrong", 1);
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to %s v1/dev.rsnap", to), 3);
	ck_assert_has(err_, ": HTTP 401 UNAUTHORIZED: authentication required");
	setenv("RSC_REGISTRY_PASSWORD", "s3cret pass", 1);
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to %s v1/dev.rsnap", to), 0);
	/* The Docker config file, as docker login writes it. */
	unsetenv("RSC_REGISTRY_USER");
	unsetenv("RSC_REGISTRY_PASSWORD");
	char cfg[512];
	snprintf(cfg, sizeof cfg, "{\"auths\": {\"127.0.0.1:%d\": {\"auth\": "
		 "\"YWxpY2U6czNjcmV0IHBhc3M=\"}}}\n", reg.port); /* alice:s3cret pass */
	tu_write(d, ".docker/config.json", cfg);
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to %s v2/dev.rsnap", to), 0);
	rsc_oci_loc loc;
	char e[1024];
	rsc_fetched g;
	ck_assert_int_eq(rsc_oci_parse(&loc, to, e, sizeof e), 0);
	ck_assert_int_eq(rsc_oci_fetch(&loc, "dev", NULL, 1 << 20, &g, e, sizeof e), RSC_FETCH_NEW);
	free(g.data);
	server_stop(&reg);
}
END_TEST

/* ------------------------------------------------------------------- S3 */

START_TEST(s3_publish_and_conditional_fetch)
{
	char *d = two_versions("publish-s3"), why[512];
	clean_env(d);
	server s3 = { 0, 0 };
	SKIP_UNLESS(s3_start(&s3, d, why, sizeof why) == 0, "s3 publish", why);
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to s3://flags/fleet/ "
				"v1/dev.rsnap"), 0);
	ck_assert_has(out_, "/flags/fleet/dev-");
	ck_assert_has(out_, "published v1/dev.rsnap: http://127.0.0.1:");
	rsc_s3_loc loc;
	char e[1024], b[1024];
	ck_assert_int_eq(rsc_s3_parse(&loc, "s3://flags/fleet", e, sizeof e), 0);
	rsc_fetched g1, g2, g3;
	ck_assert_int_eq(rsc_s3_fetch(&loc, "dev", NULL, 1 << 20, &g1, e, sizeof e), RSC_FETCH_NEW);
	snprintf(b, sizeof b, "%s/v1/dev.rsnap", d);
	size_t len;
	char *want = tu_read(b, &len);
	ck_assert_uint_eq(g1.len, len);
	ck_assert_mem_eq(g1.data, want, len);
	ck_assert_str_ne(g1.tag, "");
	/* Unchanged: 304, nothing downloaded. */
	ck_assert_int_eq(rsc_s3_fetch(&loc, "dev", g1.tag, 1 << 20, &g2, e, sizeof e),
			 RSC_FETCH_UNCHANGED);
	ck_assert_ptr_null(g2.data);
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to s3://flags/fleet "
				"v2/dev.rsnap"), 0);
	ck_assert_int_eq(rsc_s3_fetch(&loc, "dev", g1.tag, 1 << 20, &g3, e, sizeof e), RSC_FETCH_NEW);
	snprintf(b, sizeof b, "%s/v2/dev.rsnap", d);
	free(want);
	want = tu_read(b, &len);
	ck_assert_uint_eq(g3.len, len);
	ck_assert_mem_eq(g3.data, want, len);
	ck_assert_int_eq(rsc_s3_fetch(&loc, "prod", NULL, 1 << 20, &g2, e, sizeof e), RSC_FETCH_ERROR);
	ck_assert_has(e, "/flags/fleet/prod.rsnap: HTTP 404 NoSuchKey");
	ck_assert_int_eq(rsc_s3_fetch(&loc, "dev", NULL, 100, &g2, e, sizeof e), RSC_FETCH_ERROR);
	ck_assert_has(e, "over the limit of 100");
	free(want);
	free(g1.data);
	free(g3.data);
	server_stop(&s3);
}
END_TEST

/* The server checks signatures: the wrong secret is refused, by publish
 * and by fetch, with S3's error code. */
START_TEST(s3_wrong_secret_is_refused)
{
	char *d = two_versions("publish-s3-sig"), why[512];
	clean_env(d);
	server s3 = { 0, 0 };
	SKIP_UNLESS(s3_start(&s3, d, why, sizeof why) == 0, "s3 signatures", why);
	setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret", 1);
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to s3://flags/x "
				"v1/dev.rsnap"), 3);
	ck_assert_has(err_, "rsc publish: PUT http://127.0.0.1:");
	ck_assert_has(err_, ": HTTP 403 SignatureDoesNotMatch: ");
	rsc_s3_loc loc;
	rsc_fetched g;
	char e[1024];
	ck_assert_int_eq(rsc_s3_parse(&loc, "s3://flags/x", e, sizeof e), 0);
	ck_assert_int_eq(rsc_s3_fetch(&loc, "dev", NULL, 1 << 20, &g, e, sizeof e), RSC_FETCH_ERROR);
	ck_assert_has(e, "HTTP 403 SignatureDoesNotMatch");
	/* The shared credentials file, with a profile. */
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	tu_write(d, ".aws/credentials", "[default]\naws_access_key_id = nobody\n"
		 "aws_secret_access_key = x\n\n[fleet]\naws_access_key_id = S3RVER\n"
		 "aws_secret_access_key = S3RVER\n");
	tu_write(d, ".aws/config", "[profile fleet]\nregion = eu-west-1\n");
	setenv("AWS_PROFILE", "fleet", 1);
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to s3://flags/x "
				"v1/dev.rsnap"), 0);
	unsetenv("AWS_PROFILE");
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to s3://flags/x "
				"v1/dev.rsnap"), 3);
	ck_assert_has(err_, "InvalidAccessKeyId");
	server_stop(&s3);
}
END_TEST

/* ------------------------------------------------- rsc agent, end to end */

/* Far more than anything here takes, so that a loaded machine passes. */
#define DEADLINE_MS 20000

static int lines_with(const char *file, const char *what)
{
	char *text = tu_read(file, NULL);
	int n = 0;
	for (char *p = text; p && (p = strstr(p, what)); p++)
		n++;
	free(text);
	return n;
}

/* Waits until the agent's log has more than n lines with what. */
static void wait_lines(const char *log, const char *what, int n)
{
	long t0 = tu_now_ms();
	while (lines_with(log, what) <= n && tu_now_ms() - t0 < DEADLINE_MS)
		usleep(10000);
	char *text = tu_read(log, NULL);
	ck_assert_msg(lines_with(log, what) > n, "expected more than %d '%s' in the agent's log:\n%s",
		      n, what, or_null(text));
	free(text);
}

/* rsc agent --from from --to d/node/dev.rsnap for dev, polling every
 * 300 ms +- 50 ms, its log in d/agent.log. */
static pid_t agent_start(const char *d, const char *from, char log[1100])
{
	char bin[2300], to[1100], pub[1100];
	snprintf(bin, sizeof bin, "%s/%s", top(), RSC_BIN);
	snprintf(to, sizeof to, "%s/node/dev.rsnap", d);
	snprintf(pub, sizeof pub, "%s/k.pub", d);
	snprintf(log, 1100, "%s/agent.log", d);
	ck_assert_int_eq(tu_sh("mkdir -p '%s/node'", d), 0);
	char *argv[] = { bin, (char *)"agent", (char *)"--from", (char *)from, (char *)"--to", to,
			 (char *)"--pub", pub, (char *)"--env", (char *)"dev", (char *)"--interval",
			 (char *)"300ms", (char *)"--jitter", (char *)"50ms", NULL };
	return spawn(argv, log, -1);
}

static void agent_stop(pid_t pid)
{
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	int status = 0;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}

/* A live client on d/node/dev.rsnap, as the node's application has. */
static rsl_client *node_client(const char *d, rsl_keyring **kr)
{
	char path[1100];
	rsl_error e;
	snprintf(path, sizeof path, "%s/k.pub", d);
	ck_assert_int_eq(rsl_keyring_new(kr), RSL_OK);
	ck_assert_int_eq(rsl_keyring_add_pem_file(*kr, path, &e), RSL_OK);
	rsl_client_options co = RSL_CLIENT_OPTIONS_INIT;
	co.keys = *kr;
	co.environment = "dev";
	co.poll_interval_ms = 50;
	rsl_client *c;
	snprintf(path, sizeof path, "%s/node/dev.rsnap", d);
	ck_assert_int_eq(rsl_client_new(&c, path, &co, &e), RSL_OK);
	return c;
}

/* Whether the node's file holds the bytes of d/rel. */
static int node_holds(const char *d, const char *rel)
{
	char a[1100], b[1100];
	snprintf(a, sizeof a, "%s/node/dev.rsnap", d);
	snprintf(b, sizeof b, "%s/%s", d, rel);
	return same_file(a, b);
}

/* v1 serves new-checkout off in dev, v2 on. */
static int serves_on(rsl_client *c)
{
	return rsl_client_bool(c, "new-checkout", NULL, 0);
}

/* The whole path through a registry: rsc publish, rsc agent pulls it into
 * place and a live client serves it; a newer publish reaches the node within
 * the interval and jitter (plus the poll's own work); an older snapshot
 * re-tagged as dev is refused while the node keeps serving; the registry
 * stopped mid-poll changes nothing on the node. */
START_TEST(agent_follows_a_registry)
{
	char *d = two_versions("publish-agent-oci"), why[512], log[1100];
	clean_env(d);
	server reg = { 0, 0 };
	SKIP_UNLESS(registry_start(&reg, d, NULL, why, sizeof why) == 0, "agent from oci://", why);
	char from[128];
	snprintf(from, sizeof from, "oci://127.0.0.1:%d/team/flags", reg.port);
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to %s v1/dev.rsnap", from), 0);
	pid_t agent = agent_start(d, from, log);
	wait_lines(log, " updated ", 0);
	ck_assert(node_holds(d, "v1/dev.rsnap"));
	rsl_keyring *kr;
	rsl_client *c = node_client(d, &kr);
	ck_assert(!serves_on(c));
	wait_lines(log, " unchanged ", 1); /* the next polls: the same digest */

	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to %s v2/dev.rsnap", from), 0);
	long t0 = tu_now_ms();
	while (!node_holds(d, "v2/dev.rsnap") && tu_now_ms() - t0 < DEADLINE_MS)
		usleep(5000);
	long took = tu_now_ms() - t0;
	ck_assert(node_holds(d, "v2/dev.rsnap"));
	/* 300 ms + 50 ms of jitter, and 1.5 s for the poll's requests and
	 * the rename on a loaded machine. */
	ck_assert_msg(took <= 350 + 1500, "the newer snapshot took %ld ms to reach the node", took);
	t0 = tu_now_ms();
	while (!serves_on(c) && tu_now_ms() - t0 < DEADLINE_MS)
		usleep(5000);
	ck_assert_msg(serves_on(c), "the live client never served v2");

	/* An older snapshot re-tagged as dev (a registry's admin, a mistake). */
	char *v1 = tu_line("cd '%s' && %s/%s verify --pub k.pub v1/dev.rsnap | sed -n "
			   "'s/  version *//p'", d, top(), RSC_BIN);
	int refused = lines_with(log, " refused ");
	if (have("skopeo"))
		ck_assert_int_eq(tu_sh("skopeo copy -q --src-tls-verify=false --dest-tls-verify=false "
				       "docker://127.0.0.1:%d/team/flags:dev-%s "
				       "docker://127.0.0.1:%d/team/flags:dev", reg.port, v1, reg.port), 0);
	else
		ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to %s v1/dev.rsnap", from), 0);
	free(v1);
	wait_lines(log, " refused ", refused);
	ck_assert(node_holds(d, "v2/dev.rsnap"));
	ck_assert(serves_on(c));

	/* The registry goes away in the middle of the polls. */
	int errors = lines_with(log, " error ");
	server_stop(&reg);
	wait_lines(log, " error ", errors);
	ck_assert(node_holds(d, "v2/dev.rsnap"));
	ck_assert(serves_on(c));
	agent_stop(agent);
	ck_assert_int_eq(tu_sh("[ \"$(ls -A '%s/node')\" = dev.rsnap ]", d), 0);
	rsl_client_free(c);
	rsl_keyring_free(kr);
}
END_TEST

/* The same from S3: rsc agent keeps the ETag, so its polls while nothing
 * changes are 304s, and a newer publish arrives. */
START_TEST(agent_follows_s3)
{
	char *d = two_versions("publish-agent-s3"), why[512], log[1100];
	clean_env(d);
	server s3 = { 0, 0 };
	SKIP_UNLESS(s3_start(&s3, d, why, sizeof why) == 0, "agent from s3://", why);
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to s3://flags/fleet v1/dev.rsnap"), 0);
	pid_t agent = agent_start(d, "s3://flags/fleet", log);
	wait_lines(log, " updated ", 0);
	ck_assert(node_holds(d, "v1/dev.rsnap"));
	rsl_keyring *kr;
	rsl_client *c = node_client(d, &kr);
	ck_assert(!serves_on(c));
	wait_lines(log, " unchanged ", 1);
	ck_assert_int_eq(rsc_in(d, "publish --pub k.pub --to s3://flags/fleet v2/dev.rsnap"), 0);
	wait_lines(log, " updated ", 1);
	ck_assert(node_holds(d, "v2/dev.rsnap"));
	long t0 = tu_now_ms();
	while (!serves_on(c) && tu_now_ms() - t0 < DEADLINE_MS)
		usleep(5000);
	ck_assert_msg(serves_on(c), "the live client never served v2");
	/* A wrong secret on the node: errors, and the node keeps v2. */
	agent_stop(agent);
	setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret", 1);
	ck_assert_int_eq(rsc_in(d, "agent --from s3://flags/fleet --to node/dev.rsnap --pub k.pub "
				"--env dev --once"), 3);
	ck_assert_has(err_, "HTTP 403 SignatureDoesNotMatch");
	ck_assert(node_holds(d, "v2/dev.rsnap"));
	ck_assert(serves_on(c));
	rsl_client_free(c);
	rsl_keyring_free(kr);
	server_stop(&s3);
}
END_TEST

Suite *publish_suite(void);
Suite *publish_suite(void)
{
	Suite *s = suite_create("publish");
	TCase *t = tcase_create("publish");
	tcase_set_timeout(t, 180);
	tcase_add_test(t, sigv4_aws_examples);
	tcase_add_test(t, refuses_what_does_not_verify);
	tcase_add_test(t, file_publish_versioned_first);
	tcase_add_test(t, configmap_manifest);
	tcase_add_test(t, oci_manifest_is_deterministic);
	tcase_add_test(t, oci_publish_skopeo_and_fetch);
	tcase_add_test(t, oci_basic_auth);
	tcase_add_test(t, s3_publish_and_conditional_fetch);
	tcase_add_test(t, s3_wrong_secret_is_refused);
	tcase_add_test(t, agent_follows_a_registry);
	tcase_add_test(t, agent_follows_s3);
	suite_add_tcase(s, t);
	return s;
}
