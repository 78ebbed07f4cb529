/*
 * ruleset_fixture.c - the ruleset the evaluator's tests share (see
 * ruleset_fixture.h): written as YAML, compiled by rsc, opened with
 * rsl_open.
 */
#include "ruleset_fixture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static void write_flag(const char *key, const char *type_and_variants)
{
	char rel[128], text[1024];
	snprintf(rel, sizeof rel, "%s.yaml", key);
	snprintf(text, sizeof text,
		 "key: %s\ndescription: test flag\nowner: team-test\n%s", key,
		 type_and_variants);
	tu_write(RF_DIR "/rules", rel, text);
}

static void write_targeting(const char *key, const char *text)
{
	char rel[128];
	snprintf(rel, sizeof rel, "environments/prod/%s.yaml", key);
	tu_write(RF_DIR "/rules", rel, text);
}

const struct rf_optest rf_optests[] = {
	{ "op-eq", "      attribute: country\n      eq: DE\n" },
	{ "op-eq-num", "      attribute: seats\n      eq: 12\n" },
	{ "op-eq-bool", "      attribute: beta\n      eq: true\n" },
	{ "op-ne", "      attribute: country\n      ne: DE\n" },
	{ "op-in", "      attribute: country\n      in: [DE, AT, CH]\n" },
	{ "op-not-in", "      attribute: country\n      not_in: [DE, AT, CH]\n" },
	{ "op-contains", "      attribute: email\n      contains: \"@example\"\n" },
	{ "op-starts", "      attribute: email\n      starts_with: ann\n" },
	{ "op-ends", "      attribute: email\n      ends_with: \"@EXAMPLE.COM\"\n"
		     "      case_insensitive: true\n" },
	{ "op-lt", "      attribute: seats\n      lt: 10\n" },
	{ "op-lte", "      attribute: seats\n      lte: 10\n" },
	{ "op-gt", "      attribute: seats\n      gt: 10\n" },
	{ "op-gte", "      attribute: seats\n      gte: 10.5\n" },
	{ "op-semver-eq", "      attribute: app\n      semver_eq: 2.3.0\n" },
	{ "op-semver-lt", "      attribute: app\n      semver_lt: 2.3.0\n" },
	{ "op-semver-lte", "      attribute: app\n      semver_lte: 2.3.0\n" },
	{ "op-semver-gt", "      attribute: app\n      semver_gt: 2.3.0\n" },
	{ "op-semver-gte", "      attribute: app\n      semver_gte: 2.3.0-rc.1\n" },
	{ "op-before", "      attribute: signup\n      before: 2026-01-01T00:00:00Z\n" },
	{ "op-after", "      attribute: signup\n      after: 2026-01-01T01:00:00+01:00\n" },
	{ "op-exists", "      attribute: email\n      exists: true\n" },
	{ "op-not-exists", "      attribute: email\n      exists: false\n" },
	{ "comb-all", "      all:\n        - attribute: country\n          eq: DE\n"
		      "        - attribute: seats\n          gte: 10\n" },
	{ "comb-any", "      any:\n        - attribute: country\n          eq: DE\n"
		      "        - attribute: country\n          eq: AT\n" },
	{ "comb-not", "      not:\n        attribute: country\n        eq: DE\n" },
	{ "seg", "      segment: outer\n" },
	{ "special-keys", "      all:\n        - attribute: targeting_key\n          in: [u1, u2]\n"
			  "        - attribute: tenant_key\n          eq: acme\n" },
};
const size_t rf_noptests = sizeof rf_optests / sizeof *rf_optests;

static rsl_attr pool_attrs[64];
static char pool_text[4096];
static const char *pool_list[64];
static size_t n_attrs, n_text, n_list;

static char *pool_copy(const char *s, size_t n)
{
	ck_assert(n_text + n + 1 < sizeof pool_text);
	char *p = pool_text + n_text;
	memcpy(p, s, n);
	p[n] = 0;
	n_text += n + 1;
	return p;
}

rsl_context rf_cx(const char *spec)
{
	rsl_context c;
	memset(&c, 0, sizeof c);
	n_attrs = n_text = n_list = 0; /* one context at a time */
	c.attrs = pool_attrs;
	const char *s = spec;
	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		const char *eq = strchr(s, '='), *end = strchr(s, ' ');
		if (end == NULL)
			end = s + strlen(s);
		ck_assert(eq && eq < end);
		char *name = pool_copy(s, (size_t)(eq - s));
		char *val = pool_copy(eq + 1, (size_t)(end - eq - 1));
		if (strcmp(name, "@tk") == 0) {
			c.targeting_key = val;
		} else if (strcmp(name, "@tenant") == 0) {
			c.tenant_key = val;
		} else {
			rsl_attr *a = &pool_attrs[n_attrs++];
			memset(a, 0, sizeof *a);
			a->name = name;
			char *e;
			double d = strtod(val, &e);
			if (strcmp(val, "true") == 0 || strcmp(val, "false") == 0) {
				a->type = RSL_ATTR_BOOL;
				a->b = val[0] == 't';
			} else if (*val && *e == 0) {
				a->type = RSL_ATTR_NUMBER;
				a->n = d;
			} else if (val[0] == '[') {
				a->type = RSL_ATTR_LIST;
				a->list = pool_list + n_list;
				for (char *it = strtok(val + 1, ",]"); it; it = strtok(NULL, ",]")) {
					pool_list[n_list++] = it;
					a->len++;
				}
			} else {
				a->type = RSL_ATTR_STRING;
				a->s = val;
			}
			c.nattrs++;
		}
		s = end;
	}
	return c;
}

void rf_build(void)
{
	static int built; /* unchecked fixtures run in the runner: once */
	if (built)
		return;
	built = 1;
	tu_tmpdir("eval");
	tu_write(RF_DIR "/rules", "rulestead.yaml", "environments:\n  - dev\n  - prod\n");
	tu_write(RF_DIR "/rules", "segments/inner.yaml",
		 "key: inner\ndescription: d\nwhen:\n  attribute: beta\n  eq: true\n");
	tu_write(RF_DIR "/rules", "segments/outer.yaml",
		 "key: outer\ndescription: d\nwhen:\n  any:\n    - segment: inner\n"
		 "    - attribute: email\n      ends_with: \"@example.com\"\n"
		 "      case_insensitive: true\n");
	char text[1024];
	for (size_t i = 0; i < rf_noptests; i++) {
		write_flag(rf_optests[i].flag, "type: boolean\n");
		snprintf(text, sizeof text,
			 "enabled: true\nrules:\n  - name: r\n    when:\n%s    serve: on\ndefault: off\n",
			 rf_optests[i].when);
		write_targeting(rf_optests[i].flag, text);
	}
	write_flag("kill", "type: boolean\n");
	write_targeting("kill", "enabled: false\nrules:\n  - name: all\n    serve: on\ndefault: on\n");
	write_flag("unconfigured", "type: boolean\n");
	write_flag("static", "type: boolean\n");
	write_targeting("static", "enabled: true\ndefault: on\n");
	write_flag("base", "type: boolean\n");
	write_targeting("base", "enabled: true\nrules:\n  - name: de\n    when:\n"
				"      attribute: country\n      eq: DE\n    serve: on\ndefault: off\n");
	write_flag("child", "type: boolean\n");
	write_targeting("child", "enabled: true\nrequires:\n  - flag: base\n    variant: on\n"
				 "default: on\n");
	write_flag("needs-kill-on", "type: boolean\n");
	write_targeting("needs-kill-on", "enabled: true\nrequires:\n  - flag: kill\n"
					 "    variant: on\ndefault: on\n");
	write_flag("needs-kill-off", "type: boolean\n");
	write_targeting("needs-kill-off", "enabled: true\nrequires:\n  - flag: kill\n"
					  "    variant: off\n  - flag: unconfigured\n"
					  "    variant: off\ndefault: on\n");
	write_flag("split20", "type: boolean\n");
	write_targeting("split20", "enabled: true\ndefault:\n  split:\n    on: 20\n    off: 80\n");
	write_flag("ramp10", "type: boolean\nsalt: ramp\n");
	write_targeting("ramp10", "enabled: true\ndefault:\n  split:\n    on: 10\n    off: 90\n");
	write_flag("ramp20", "type: boolean\nsalt: ramp\n");
	write_targeting("ramp20", "enabled: true\ndefault:\n  split:\n    on: 20\n    off: 80\n");
	write_flag("color", "type: string\nvariants:\n  control: blue\n  green: green\n"
			    "  orange: orange\noff_variant: control\n");
	write_targeting("color", "enabled: true\ndefault:\n  split:\n    control: 33.333\n"
				 "    green: 33.333\n    orange: 33.334\n  by: tenant_key\n");
	write_flag("split-rule", "type: boolean\n");
	write_targeting("split-rule", "enabled: true\nrules:\n  - name: germans\n    when:\n"
				      "      attribute: country\n      eq: DE\n    serve:\n"
				      "      split:\n        on: 50\n        off: 50\ndefault: off\n");
	write_flag("by-seats", "type: boolean\n");
	write_targeting("by-seats", "enabled: true\ndefault:\n  split:\n    on: 50\n"
				    "    off: 50\n  by: seats\n");
	write_flag("sched", "type: string\nvariants:\n  a: A\n  b: B\n  c: C\noff_variant: a\n");
	write_targeting("sched", "enabled: true\ndefault:\n  schedule:\n"
				 "    - at: 2026-12-01T09:00:00Z\n      variant: b\n"
				 "    - at: 2026-12-03T09:00:00+01:00\n      variant: c\n"
				 "    - at: 2026-12-08T09:00:00Z\n      split: { b: 50, c: 50 }\n");
	write_flag("sched-rule", "type: boolean\n");
	write_targeting("sched-rule", "enabled: true\nrules:\n  - name: germans\n    when:\n"
				      "      attribute: country\n      eq: DE\n    serve:\n"
				      "      schedule:\n        - at: 2026-12-01T09:00:00Z\n"
				      "          variant: on\ndefault: off\n");
	write_flag("limit", "type: integer\nvariants:\n  small: 10\n  big: -9000000000\n"
			    "off_variant: small\n");
	write_targeting("limit", "enabled: true\nrules:\n  - name: big\n    when:\n"
				 "      attribute: plan\n      eq: pro\n    serve: big\ndefault: small\n");
	write_flag("ratio", "type: float\nvariants:\n  low: 0.25\n  high: 49.5\noff_variant: low\n");
	write_targeting("ratio", "enabled: true\ndefault: high\n");
	write_flag("tuning", "type: object\nvariants:\n  base:\n    boost: 2.5\n    tags: [a, b]\n"
			     "  none: {}\noff_variant: none\n");
	write_targeting("tuning", "enabled: true\ndefault: base\n");
	/* A chain of prerequisites as deep as a snapshot may hold. */
	for (int i = 0; i <= 15; i++) {
		char key[16], t[128];
		snprintf(key, sizeof key, "deep%02d", i);
		write_flag(key, "type: boolean\n");
		if (i < 15)
			snprintf(t, sizeof t, "enabled: true\nrequires:\n  - flag: deep%02d\n"
					      "    variant: on\ndefault: on\n", i + 1);
		else
			snprintf(t, sizeof t, "enabled: true\ndefault: on\n");
		write_targeting(key, t);
	}
	/* The example of the issue: rule 2 "beta" fails on country. */
	write_flag("x", "type: boolean\n");
	write_targeting("x", "enabled: true\nrules:\n  - name: staff\n    when:\n"
			     "      attribute: email\n      ends_with: \"@example.com\"\n"
			     "    serve: on\n  - name: beta\n    when:\n"
			     "      attribute: country\n      in: [DE, AT, CH]\n    serve: on\n"
			     "  - name: rest\n    serve:\n      split:\n        on: 20\n"
			     "        off: 80\ndefault: off\n");

	char *out = NULL, *err = NULL;
	int rc = tu_run(RSC_BIN " keygen --out " RF_DIR "/k", &out, &err);
	ck_assert_msg(rc == 0, "keygen: %s", err);
	free(out);
	free(err);
	rc = tu_run(RSC_BIN " compile --worktree --root " RF_DIR "/rules --key " RF_DIR
			    "/k.key --out " RF_DIR "/out",
		    &out, &err);
	ck_assert_msg(rc == 0, "compile failed (%d): %s%s", rc, out, err);
	free(out);
	free(err);
}

rsl_snapshot *rf_snap;

void rf_open(void)
{
	rsl_keyring *kr;
	rsl_error e;
	ck_assert_int_eq(rsl_keyring_new(&kr), RSL_OK);
	ck_assert_msg(rsl_keyring_add_pem_file(kr, RF_PUB, &e) == RSL_OK, "%s", e.message);
	rsl_open_options o = RSL_OPEN_OPTIONS_INIT;
	o.keys = kr;
	o.environment = "prod";
	ck_assert_msg(rsl_open(&rf_snap, RF_SNAP, &o, &e) == RSL_OK, "%s", e.message);
	rsl_keyring_free(kr);
}

void rf_close(void)
{
	rsl_close(rf_snap);
	rf_snap = NULL;
}

rsl_result rf_eval(const char *key, rsl_type type, const char *spec)
{
	rsl_context c = rf_cx(spec);
	rsl_result r;
	ck_assert_int_eq(rsl_evaluate(&r, rf_snap, key, type, &c, NULL), 0);
	return r;
}

int rf_on(const char *key, const char *spec)
{
	rsl_result r = rf_eval(key, RSL_BOOLEAN, spec);
	ck_assert_msg(r.error == RSL_ERR_NONE, "%s: error %s", key, rsl_error_code_name(r.error));
	ck_assert_msg(r.value.b ? r.reason == RSL_REASON_TARGETING_MATCH && r.rule_index == 0
				: r.reason == RSL_REASON_DEFAULT && r.rule_index == -1,
		      "%s for '%s': value %d reason %s", key, spec, r.value.b,
		      rsl_reason_name(r.reason));
	return r.value.b;
}
