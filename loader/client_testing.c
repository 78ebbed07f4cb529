/*
 * client_testing.c - test overrides (rsl_testing.h): a client created with
 * RSL_CLIENT_TESTING (and RSL_TESTING=1) serves a fixed variant or value
 * for a flag.  The table is replaced whole, like a snapshot: readers see
 * the old one or the new one, and the old one is freed after a grace
 * period.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "eval.h"
#include "keyring.h"

void rsl__ovr_free(rsl__ovr_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->item[i].key);
		free(t->item[i].variant);
		free((char *)(uintptr_t)t->item[i].value.s);
	}
	free(t);
}

int rsl__client_override_eval(rsl_result *out, rsl_client *c, const rsl_snapshot *s,
			      const char *key, rsl_type expected, const rsl_value *fb)
{
	const rsl__ovr_table *t = atomic_load(&c->overrides);
	if (!t || !key)
		return 0;
	for (size_t i = 0; i < t->n; i++) {
		const rsl__ovr_item *it = &t->item[i];
		if (strcmp(it->key, key) != 0)
			continue;
		rsl_value v;
		const char *variant = "test override";
		memset(&v, 0, sizeof v);
		if (it->variant) {
			const rsl__flag *f = s ? rsl__find_flag(s, key, strlen(key)) : NULL;
			const rsl__variant *var = NULL;
			for (uint32_t j = 0; f && j < f->nvariants; j++)
				if (strcmp(RSL__S(RSL__AT(rsl__variant, f->variants)[j].name), it->variant) == 0)
					var = &RSL__AT(rsl__variant, f->variants)[j];
			if (!var)
				return 0;
			v.type = (rsl_type)f->type;
			rsl__set_value(&v, &var->value);
			variant = RSL__S(var->name);
		} else {
			v = it->value;
		}
		out->rule_index = -1;
		out->file = NULL;
		out->line = 0;
		out->bucket = UINT32_MAX;
		if (v.type != expected) {
			if (fb) {
				out->value = *fb;
			} else {
				memset(&out->value, 0, sizeof out->value);
				out->value.type = expected;
			}
			out->variant = NULL;
			out->rule_name = NULL;
			out->reason = RSL_REASON_ERROR;
			out->error = RSL_ERR_TYPE_MISMATCH;
			return 1;
		}
		out->value = v;
		out->variant = variant;
		out->rule_name = "test override";
		out->reason = RSL_REASON_STATIC;
		out->error = RSL_ERR_NONE;
		return 1;
	}
	return 0;
}

static int set_override(rsl_client *c, const char *key, const char *variant,
			const rsl_value *value, rsl_error *err)
{
	if (!c || !c->testing)
		return rsl__fail(err, RSL_EINVAL, "test overrides need a client created with "
			    "RSL_CLIENT_TESTING");
	if (!key)
		return rsl__fail(err, RSL_EINVAL, "test override: no flag key");
	if (rsl__rd_depth)
		return rsl__fail(err, RSL_EINVAL, "test override: the calling thread holds the client");
	int rc = RSL_OK;
	rsl__evq q = { 0 };
	pthread_mutex_lock(&c->lock);
	if (variant) {
		const rsl__flag *f = c->loaded ? rsl__find_flag(c->loaded, key, strlen(key)) : NULL;
		int found = 0;
		for (uint32_t j = 0; f && j < f->nvariants; j++)
			found |= strcmp(RSL__S(RSL__AT(rsl__variant, f->variants)[j].name), variant) == 0;
		if (!f || !found) {
			rc = rsl__fail(err, RSL_EINVAL, !f ? "test override: no flag '%s' in the served snapshot"
				  : "test override: flag '%s' has no variant '%s'", key, variant);
			goto out;
		}
	}
	rsl__ovr_table *old = atomic_load(&c->overrides);
	size_t n = old ? old->n : 0;
	rsl__ovr_table *t = calloc(1, sizeof *t + (n + 1) * sizeof t->item[0]);
	if (!t) {
		rc = rsl__fail(err, RSL_ENOMEM, "out of memory");
		goto out;
	}
	int nomem = 0;
	for (size_t i = 0; i < n; i++) {
		const rsl__ovr_item *o = &old->item[i];
		if (strcmp(o->key, key) == 0)
			continue;
		rsl__ovr_item *it = &t->item[t->n++];
		*it = *o;
		it->key = rsl__dupstr(o->key);
		it->variant = rsl__dupstr(o->variant);
		it->value.s = rsl__dupstr(o->value.s);
		nomem |= !it->key || (o->variant && !it->variant) ||
			 (o->value.s && !it->value.s);
	}
	if (variant || value) {
		rsl__ovr_item *it = &t->item[t->n++];
		it->key = rsl__dupstr(key);
		it->variant = rsl__dupstr(variant);
		nomem |= !it->key || (variant && !it->variant);
		if (!variant) {
			it->value = *value;
			it->value.s = NULL;
			if (value->s) {
				char *s = malloc(value->len + 1);
				if (s) {
					memcpy(s, value->s, value->len);
					s[value->len] = '\0';
				}
				it->value.s = s;
				nomem |= !s;
			}
		}
	}
	if (nomem) {
		rsl__ovr_free(t);
		rc = rsl__fail(err, RSL_ENOMEM, "test override: out of memory");
		goto out;
	}
	atomic_store(&c->overrides, t);
	q.retired_ovr = old;
	if (variant)
		rsl__evq_add(&q, RSL_EVENT_TEST_OVERRIDE, RSL_OK, NULL, 0, NULL,
			"test override: flag '%s' serves variant '%s'", key, variant);
	else
		rsl__evq_add(&q, RSL_EVENT_TEST_OVERRIDE, RSL_OK, NULL, 0, NULL,
			"test override: flag '%s' %s", key,
			value ? "serves a fixed value" : "override removed");
out:
	rsl__client_unlock(c);
	rsl__evq_emit(c, &q);
	return rc;
}

int rsl_client_override(rsl_client *c, const char *key, const char *variant,
			rsl_error *err)
{
	return set_override(c, key, variant, NULL, err);
}

int rsl_client_override_value(rsl_client *c, const char *key,
			      const rsl_value *value, rsl_error *err)
{
	return set_override(c, key, NULL, value, err);
}
