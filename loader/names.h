/*
 * names.h - the names of the language (docs/ruleset.md, "Keys"), one
 * grammar each, shared by rsc (which refuses a ruleset that breaks them)
 * and the loader (which refuses a signed body rsc would never write).
 * Internal to librsl.
 */
#ifndef RSL_NAMES_H
#define RSL_NAMES_H

#include <stddef.h>

/* Flag keys, segment keys, environment and variant names, tags: 1 to
 * RSL_KEY_MAX (64) of [a-z0-9_-], starting with a letter. */
int rsl__is_key(const char *s, size_t len);
#define RSL__KEY_RULE "1 to 64 lowercase letters, digits, '-' or '_', starting with a letter"

/* Attribute names (and a split's 'by'): 1 to RSL_KEY_MAX (64) of
 * [A-Za-z0-9_.-], starting with a letter or '_'.  targeting_key and
 * tenant_key fit it. */
int rsl__is_attr_name(const char *s, size_t len);
#define RSL__ATTR_RULE "1 to 64 letters, digits, '_', '-' or '.', starting with a letter or '_'"

#endif
