/*
 * render.h - pieces of a checked model in words for people (rsc diff,
 * rsc log): conditions as the ruleset writes them ("country in [DE, FR]",
 * the operator names of loader/ops.h), what a rule serves ("on", "split on
 * 25%, off 75%", a schedule), values (identifier-like strings bare, others
 * quoted as JSON, so that no newline or control character reaches the
 * output).  Every function returns text allocated in a.
 */
#ifndef RSC_RENDER_H
#define RSC_RENDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"

/* Whether s[0..n) can be shown without quotes: identifier characters
 * ([A-Za-z0-9_.-]), not empty, and not readable as another type (true,
 * false, a number).  rsc inspect writes strings by the same rule. */
int rsc_render_bare(const char *s, size_t n);

const char *rsc_render_value(rsc_arena *a, const rsc_value *v);

/* "country in [DE, FR]", "all(plan == pro, segment beta-testers)". */
const char *rsc_render_cond(rsc_arena *a, const rsc_cond *c);

/* What an attribute test compares with: "[DE, FR]", "\"@example.com\"",
 * "2026-12-01T09:00:00Z". */
const char *rsc_render_operand(rsc_arena *a, const rsc_cond *c);

/* A weight (1/1000 %) as a percentage without trailing zeros: "12.5%". */
const char *rsc_render_percent(rsc_arena *a, uint32_t weight);

/* The same number without the '%' (JSON's "percent": 12.5). */
void rsc_render_number_of_percent(FILE *out, uint32_t weight);

/* "on 25%, off 75%". */
const char *rsc_render_split(rsc_arena *a, const rsc_split *s);

/* "on"; "split on 25%, off 75%" (" by account" when not by
 * targeting_key); "schedule: on 10%, off 90% from 2026-12-01T09:00:00Z,
 * on from 2026-12-08T09:00:00Z". */
const char *rsc_render_serve(rsc_arena *a, const rsc_serve *s);

#endif
