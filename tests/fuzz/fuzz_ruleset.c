/*
 * fuzz_ruleset.c - the compiler's reading and checking of one hostile file
 * of an otherwise valid ruleset (tests/fixtures/compile/ruleset, built in
 * memory): rsc_model_load, rsc_model_check, rsc_model_lint, the diagnostics
 * printed; and when the ruleset is valid, each environment encoded
 * (rsc_encode_body), which must succeed, decoded by the loader, which must
 * accept what the compiler wrote, and every flag evaluated and explained.
 *
 * The input replaces environments/prod/new-checkout.yaml, unless its first
 * line is a YAML comment "#@<path>" naming another file of the ruleset
 * (e.g. "#@segments/staff.yaml", "#@rulestead.yaml", "#@new-checkout.yaml")
 * or a new one; the comment keeps the input a valid YAML file.
 *
 * libFuzzer: make fuzz.  Without it: tests/fuzz/standalone.c replays a corpus.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "encode.h"
#include "exercise.h"
#include "model.h"
#include "source.h"
#include "unimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct { const char *path, *text; } fixed[] = {
	{ "button-color.yaml",
	  "key: button-color\n"
	  "description: Colour of the checkout button.\n"
	  "owner: team-growth\n"
	  "type: string\n"
	  "variants:\n"
	  "  control: \"blue\"\n"
	  "  green: \"green\"\n"
	  "off_variant: control\n"
	  "salt: button-2026\n"
	},
	{ "environments/dev/button-color.yaml",
	  "enabled: true\n"
	  "default:\n"
	  "  split:\n"
	  "    control: 33.334\n"
	  "    green: 66.666\n"
	  "  by: tenant_key\n"
	},
	{ "environments/dev/new-checkout.yaml",
	  "enabled: true\n"
	  "rules:\n"
	  "  - name: staff\n"
	  "    when:\n"
	  "      segment: staff\n"
	  "    serve: on\n"
	  "default: on\n"
	},
	{ "environments/dev/ratio.yaml",
	  "enabled: false\n"
	  "default: half\n"
	},
	{ "environments/prod/max-items.yaml",
	  "enabled: true\n"
	  "rules:\n"
	  "  - name: big accounts\n"
	  "    when:\n"
	  "      any:\n"
	  "        - attribute: seats\n"
	  "          gte: 100\n"
	  "        - attribute: score\n"
	  "          lt: 0.75\n"
	  "        - attribute: plan\n"
	  "          exists: true\n"
	  "    serve: large\n"
	  "default:\n"
	  "  schedule:\n"
	  "    - at: 2026-12-01T09:00:00Z\n"
	  "      split: { large: 5, small: 95 }\n"
	  "    - at: 2026-12-08T09:00:00+01:00\n"
	  "      variant: large\n"
	},
	{ "environments/prod/new-checkout.yaml",
	  "enabled: true\n"
	  "requires:\n"
	  "  - flag: payments-api-v2\n"
	  "    variant: on\n"
	  "rules:\n"
	  "  - name: beta\n"
	  "    when:\n"
	  "      segment: beta-testers\n"
	  "    serve: on\n"
	  "  - name: german-speaking rollout\n"
	  "    when:\n"
	  "      all:\n"
	  "        - attribute: country\n"
	  "          in: [DE, AT, CH]\n"
	  "        - not:\n"
	  "            attribute: app_version\n"
	  "            semver_lt: 2.3.0\n"
	  "        - attribute: signup_time\n"
	  "          after: 2026-01-01T00:00:00Z\n"
	  "    serve:\n"
	  "      split:\n"
	  "        on: 20\n"
	  "        off: 80\n"
	  "default: off\n"
	},
	{ "environments/prod/payments-api-v2.yaml",
	  "enabled: true\n"
	  "default: on\n"
	},
	{ "environments/prod/search-tuning.yaml",
	  "enabled: true\n"
	  "rules:\n"
	  "  - name: enterprise\n"
	  "    when:\n"
	  "      attribute: plan\n"
	  "      ne: free\n"
	  "    serve: aggressive\n"
	  "default: baseline\n"
	},
	{ "max-items.yaml",
	  "key: max-items\n"
	  "description: Items per page.\n"
	  "owner: team-search\n"
	  "type: integer\n"
	  "variants:\n"
	  "  small: 10\n"
	  "  large: -1000000\n"
	  "off_variant: small\n"
	},
	{ "new-checkout.yaml",
	  "key: new-checkout\n"
	  "description: The redesigned checkout flow.\n"
	  "owner: team-payments\n"
	  "type: boolean\n"
	  "tags: [checkout]\n"
	},
	{ "payments-api-v2.yaml",
	  "key: payments-api-v2\n"
	  "description: The second version of the payments API.\n"
	  "owner: team-payments\n"
	},
	{ "ratio.yaml",
	  "key: ratio\n"
	  "description: Sampling ratio.\n"
	  "owner: team-obs\n"
	  "type: float\n"
	  "variants:\n"
	  "  none: 0\n"
	  "  some: 0.1\n"
	  "  half: 0.5\n"
	  "off_variant: none\n"
	},
	{ "rulestead.yaml",
	  "environments:\n"
	  "  - dev\n"
	  "  - prod\n"
	  "protected:\n"
	  "  - prod\n"
	  "settings:\n"
	  "  snapshot_ttl: 7d\n"
	},
	{ "search-tuning.yaml",
	  "key: search-tuning\n"
	  "description: Ranking parameters of the search backend.\n"
	  "owner: team-search\n"
	  "type: object\n"
	  "variants:\n"
	  "  baseline:\n"
	  "    boost_title: 2.0\n"
	  "    max_results: 50\n"
	  "  aggressive:\n"
	  "    boost_title: 3.5\n"
	  "    stopwords: [a, an, the]\n"
	  "off_variant: baseline\n"
	},
	{ "segments/beta-testers.yaml",
	  "key: beta-testers\n"
	  "description: Users who opted into the beta programme, and staff.\n"
	  "when:\n"
	  "  any:\n"
	  "    - attribute: beta_opt_in\n"
	  "      eq: true\n"
	  "    - segment: staff\n"
	},
	{ "segments/staff.yaml",
	  "key: staff\n"
	  "description: Employees.\n"
	  "when:\n"
	  "  attribute: email\n"
	  "  ends_with: \"@example.com\"\n"
	  "  case_insensitive: true\n"
	},
};

#define NFIXED (sizeof fixed / sizeof fixed[0])
#define DEFAULT_SLOT "environments/prod/new-checkout.yaml"

/* Where diagnostics are printed: /dev/null, or stderr when FUZZ_VERBOSE is
 * set (to see what a reproducer does: FUZZ_VERBOSE=1 replay_<t> FILE). */
static FILE *devnull(void)
{
	static FILE *f;
	if (!f && getenv("FUZZ_VERBOSE"))
		f = stderr;
	if (!f && !(f = fopen("/dev/null", "w")))
		abort();
	return f;
}

static int by_path(const void *x, const void *y)
{
	return strcmp(((const rsc_file *)x)->path, ((const rsc_file *)y)->path);
}

/* The slot named by a leading "#@<path>" line: 1..64 bytes of [a-z0-9._/-]. */
static char *slot_of(rsc_arena *a, const char *s, size_t n)
{
	if (n < 3 || s[0] != '#' || s[1] != '@')
		return rsc_arena_strdup(a, DEFAULT_SLOT);
	size_t i = 2;
	while (i < n && i < 2 + 64 && s[i] != '\n' &&
	       ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		s[i] == '.' || s[i] == '_' || s[i] == '/' || s[i] == '-'))
		i++;
	if (i == 2 || (i < n && s[i] != '\n'))
		return rsc_arena_strdup(a, DEFAULT_SLOT);
	return rsc_arena_strndup(a, s + 2, i - 2);
}

/* Compiles environment env and reads it back with the loader. */
static void round_trip(const rsc_ruleset *rs, size_t env, const rsc_provenance *prov)
{
	unsigned char *body = NULL;
	size_t len = 0;
	char err[1024];
	if (rsc_encode_body(&body, &len, rs, env, prov, err, sizeof err) != RSC_OK) {
		fprintf(stderr, "a checked ruleset does not encode: %s\n", err);
		abort();
	}
	rsl_snapshot *s = NULL;
	rsl_error lerr;
	/* Placed as a file places it: the image 16-byte aligned. */
	int rc = rsc_image_open(&s, body, len, &lerr);
	if (rc == RSL_OK && strcmp(s->info.environment, rs->envs[env].name) != 0)
		abort();
	if (rc != RSL_OK) {
		fprintf(stderr, "the loader refuses what the compiler wrote: %s\n",
			lerr.message);
		abort();
	}
	if (s->nflags != rs->nflags)
		abort();
	fx_exercise(s);
	rsl_close(s);
	free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > RSC_MAX_FILE_SIZE)
		return 0; /* rsc_source_read refuses it before parsing */
	rsc_arena a = RSC_ARENA_INIT;
	rsc_diags d;
	rsc_diags_init(&d, &a);

	/* An exact-size heap copy (NUL-terminated, as rsc_source_read makes), so
	 * that reading past the end is caught. */
	char *text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	const char *slot = slot_of(&a, text, size);
	rsc_fileset fs;
	memset(&fs, 0, sizeof fs);
	fs.v = rsc_arena_alloc(&a, (NFIXED + 1) * sizeof *fs.v);
	int placed = 0;
	for (size_t i = 0; i < NFIXED; i++) {
		rsc_file *f = &fs.v[fs.n++];
		f->path = fixed[i].path;
		f->data = fixed[i].text;
		f->len = strlen(fixed[i].text);
		if (strcmp(f->path, slot) == 0) {
			f->data = text;
			f->len = size;
			placed = 1;
		}
	}
	if (!placed) {
		rsc_file *f = &fs.v[fs.n++];
		f->path = slot;
		f->data = text;
		f->len = size;
		qsort(fs.v, fs.n, sizeof *fs.v, by_path);
	}
	fs.root_path = "rules";

	rsc_ruleset rs;
	int rc = rsc_model_load(&rs, &a, &fs, &d);
	if (rc == RSC_OK)
		rc = rsc_model_check(&rs, &d);
	if ((rc == RSC_OK) != (d.errors == 0))
		abort(); /* a refusal always says why, and only a refusal */
	if (rc == RSC_OK) {
		rsc_model_lint(&rs, "2026-06-01", &d);
		rsc_provenance prov;
		rsc_provenance_from_fileset(&prov, &fs);
		for (size_t e = 0; e < rs.nenvs; e++)
			round_trip(&rs, e, &prov);
		/* As from git: a commit time gives the snapshot an expiry. */
		prov.commit = "0123456789abcdef0123456789abcdef01234567";
		prov.commit_time = 1767225600;
		prov.version = 1809639014400u; /* 1767225600 * 1024 */
		prov.author = "Fuzz <fuzz@example.com>";
		prov.subject = "fuzz";
		for (size_t e = 0; e < rs.nenvs; e++)
			round_trip(&rs, e, &prov);
	}
	rsc_diags_sort(&d);
	rsc_diags_print(devnull(), &d, RSC_FORMAT_TEXT, &fs, NULL);
	rsc_diags_print(devnull(), &d, RSC_FORMAT_JSON, &fs, NULL);
	rsc_diags_print(devnull(), &d, RSC_FORMAT_GITHUB, &fs, "rules/");

	rsc_diags_free(&d);
	rsc_arena_free(&a);
	free(text);
	return 0;
}
