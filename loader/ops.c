/* ops.c - the condition operators' names; see ops.h. */
#include "ops.h"

#include <string.h>

const char *const rsl__cond_keys[] = {
	"attribute", "case_insensitive", "all", "any", "not", "segment",
	/* RSL__COND_KEYS_OPS: the operators, in code order from RSL_OP_EQ */
	"eq", "ne", "in", "not_in", "contains", "starts_with", "ends_with",
	"lt", "lte", "gt", "gte", "semver_eq", "semver_lt", "semver_lte",
	"semver_gt", "semver_gte", "before", "after", "exists", NULL
};

_Static_assert(sizeof rsl__cond_keys / sizeof rsl__cond_keys[0] ==
		       RSL__COND_KEYS_OPS + RSL_OP_EXISTS + 1,
	       "one name per attribute operator, RSL_OP_EQ = 1 to RSL_OP_EXISTS");

const char *rsl__op_name(int op)
{
	if (op >= RSL_OP_EQ && op <= RSL_OP_EXISTS)
		return rsl__op_names[op - 1];
	switch (op) {
	case RSL_OP_ALL: return rsl__cond_keys[2];
	case RSL_OP_ANY: return rsl__cond_keys[3];
	case RSL_OP_NOT: return rsl__cond_keys[4];
	case RSL_OP_SEGMENT: return rsl__cond_keys[5];
	default: return NULL;
	}
}

int rsl__op_from_name(const char *s, size_t len)
{
	for (int op = RSL_OP_EQ; op <= RSL_OP_EXISTS; op++) {
		const char *name = rsl__op_names[op - 1];
		if (strlen(name) == len && memcmp(name, s, len) == 0)
			return op;
	}
	return 0;
}
