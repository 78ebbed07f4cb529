/* render.c - a checked model in words; see render.h. */
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../loader/bucket.h"
#include "../loader/ops.h"
#include "cli.h"

/* Text printed into a memory stream, then copied into the arena. */
typedef struct sbuf {
	FILE *f;
	char *p;
	size_t n;
} sbuf;

static FILE *sb_open(sbuf *b)
{
	b->p = NULL;
	b->n = 0;
	b->f = open_memstream(&b->p, &b->n);
	if (!b->f) {
		fputs("rsc: out of memory\n", stderr);
		abort(); /* as rsc_arena_alloc does */
	}
	return b->f;
}

static const char *sb_done(sbuf *b, rsc_arena *a)
{
	fclose(b->f);
	const char *s = rsc_arena_strndup(a, b->p, b->n);
	free(b->p);
	return s;
}

int rsc_render_bare(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return 0;
	/* a bare "true" or "42" would read as another type */
	return !((n == 4 && !memcmp(s, "true", 4)) || (n == 5 && !memcmp(s, "false", 5)) ||
		 (s[0] >= '0' && s[0] <= '9') || s[0] == '-');
}

static void value(FILE *out, const rsc_value *v)
{
	char num[RSL__NUMBUF];
	switch (v->kind) {
	case RSC_V_BOOL:
		fputs(v->b ? "true" : "false", out);
		break;
	case RSC_V_INT:
		fprintf(out, "%lld", (long long)v->i);
		break;
	case RSC_V_FLOAT:
		if (rsl__format_number(num, v->f) < 0)
			fputs("NaN", out);
		else
			fputs(num, out);
		break;
	case RSC_V_STRING:
		if (rsc_render_bare(v->s, v->slen))
			fwrite(v->s, 1, v->slen, out);
		else
			rsc_json_string(out, v->s, v->slen);
		break;
	case RSC_V_JSON:
		fwrite(v->s, 1, v->slen, out);
		break;
	}
}

const char *rsc_render_value(rsc_arena *a, const rsc_value *v)
{
	sbuf b;
	value(sb_open(&b), v);
	return sb_done(&b, a);
}

static void operand(FILE *out, const rsc_cond *c)
{
	if (c->op == RSL_OP_IN || c->op == RSL_OP_NOT_IN) {
		fputc('[', out);
		for (size_t i = 0; i < c->nlist; i++) {
			fputs(i ? ", " : "", out);
			value(out, &c->list[i]);
		}
		fputc(']', out);
	} else if (c->op == RSL_OP_BEFORE || c->op == RSL_OP_AFTER) {
		char t[RSC_TIME_MAX];
		rsc_cli_utc_time(t, c->time);
		fputs(t, out);
	} else {
		value(out, &c->value);
	}
}

const char *rsc_render_operand(rsc_arena *a, const rsc_cond *c)
{
	sbuf b;
	operand(sb_open(&b), c);
	return sb_done(&b, a);
}

static void cond(FILE *out, const rsc_cond *c)
{
	if (!c) {
		fputs("everyone", out);
		return;
	}
	switch (c->op) {
	case RSL_OP_ALL:
	case RSL_OP_ANY:
	case RSL_OP_NOT:
		fputs(rsl__op_name((int)c->op), out);
		fputc('(', out);
		for (size_t i = 0; i < c->nkids; i++) {
			fputs(i ? ", " : "", out);
			cond(out, c->kids[i]);
		}
		fputc(')', out);
		return;
	case RSL_OP_SEGMENT:
		fprintf(out, "segment %s", c->segment ? c->segment : "?");
		return;
	default:
		break;
	}
	const char *op = rsl__op_name((int)c->op);
	fprintf(out, "%s %s ", c->attribute ? c->attribute : "?", op ? op : "?");
	operand(out, c);
	if (c->case_insensitive)
		fputs(" (case-insensitive)", out);
}

const char *rsc_render_cond(rsc_arena *a, const rsc_cond *c)
{
	sbuf b;
	cond(sb_open(&b), c);
	return sb_done(&b, a);
}

void rsc_render_number_of_percent(FILE *out, uint32_t w)
{
	char pct[48];
	snprintf(pct, sizeof pct, "%u.%03u", w / 1000, w % 1000);
	size_t len = strlen(pct);
	while (pct[len - 1] == '0')
		pct[--len] = '\0';
	if (pct[len - 1] == '.')
		pct[--len] = '\0';
	fputs(pct, out);
}

static void percent(FILE *out, uint32_t w)
{
	rsc_render_number_of_percent(out, w);
	fputc('%', out);
}

const char *rsc_render_percent(rsc_arena *a, uint32_t weight)
{
	sbuf b;
	percent(sb_open(&b), weight);
	return sb_done(&b, a);
}

static void split(FILE *out, const rsc_split *s)
{
	for (size_t i = 0; i < s->n; i++) {
		fprintf(out, "%s%s ", i ? ", " : "", s->variants[i].name);
		percent(out, s->weights[i]);
	}
}

const char *rsc_render_split(rsc_arena *a, const rsc_split *s)
{
	sbuf b;
	split(sb_open(&b), s);
	return sb_done(&b, a);
}

static void by(FILE *out, const rsc_serve *s)
{
	if (s->by && strcmp(s->by, "targeting_key") != 0)
		fprintf(out, " by %s", s->by);
}

const char *rsc_render_serve(rsc_arena *a, const rsc_serve *s)
{
	sbuf b;
	FILE *out = sb_open(&b);
	switch (s->kind) {
	case RSL_SERVE_VARIANT:
		fputs(s->variant.name ? s->variant.name : "?", out);
		break;
	case RSL_SERVE_SPLIT:
		fputs("split ", out);
		split(out, &s->split);
		by(out, s);
		break;
	case RSL_SERVE_SCHEDULE:
		fputs("schedule", out);
		by(out, s);
		fputs(":", out);
		for (size_t i = 0; i < s->nsteps; i++) {
			const rsc_step *st = &s->steps[i];
			char t[RSC_TIME_MAX];
			rsc_cli_utc_time(t, st->at);
			fputs(i ? ", " : " ", out);
			if (st->kind == RSL_SERVE_SPLIT)
				split(out, &st->split);
			else
				fputs(st->variant.name ? st->variant.name : "?", out);
			fprintf(out, " from %s", t);
		}
		break;
	default:
		fputs("?", out);
	}
	return sb_done(&b, a);
}
