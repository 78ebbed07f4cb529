/*
 * validate.c - a format 2 snapshot's image (snap.h, docs/snapshot-format.md
 * "The image"), checked once, at open, where it lies: every reference lands
 * inside the image, aligned, with room for what it points to; every string
 * ends in its NUL; every index is inside its array; every count is within
 * the format's limits; every value the loader derives (hashes, seeds,
 * filters, kinds) is the one it would derive.  After this (and graph.c's
 * checks of cycles, depth and cost), evaluation follows the references
 * without checks.
 *
 * The walk visits each record once in an image rsc writes.  An image that
 * shares records (two conditions pointing at the same children) is not
 * wrong, but may not make the walk longer than the image is large: the
 * conditions visited are capped at the number that fit in it.
 */
#define XXH_INLINE_ALL
#include "validate.h"

#include <stdint.h>
#include <string.h>

#include "bucket.h"
#include "graph.h"
#include "match.h"
#include "names.h"
#include "semver.h"

typedef struct walk {
	rsl__dec *d;
	const uint8_t *lo, *hi; /* the image */
	const rsl__name *attrs;  /* the attribute names, checked first */
	uint32_t nattrs;
	uint32_t nflags, nsegments, nvariants;
	uint8_t type;
	uint64_t visits;         /* conditions left to visit */
} walk;

#define BAD(...) rsl__dec_fail(w->d, RSL_EFORMAT, "image: " __VA_ARGS__)

/* The n records of size bytes (aligned to align) that r points at, or NULL
 * when they do not fit in the image.  n == 0 is always fine (never read). */
static const void *span(const walk *w, const rsl__ref *r, uint64_t n, size_t size,
			size_t align)
{
	const uint8_t *p = (const uint8_t *)r + r->off;
	if (n == 0)
		return p;
	if (p < w->lo || p > w->hi || ((uintptr_t)p & (align - 1)) != 0 ||
	    n > (uint64_t)(w->hi - p) / size)
		return NULL;
	return p;
}

static inline int str(walk *w, const rsl__str *s, const char *what)
{
	const uint8_t *p = span(w, &s->p, (uint64_t)s->len + 1, 1, 1);
	/* No NUL inside: the matchers stop at the context's NUL because the
	 * operand has none (match.c). */
	if (p == NULL || p[s->len] != 0 || memchr(p, 0, s->len) != NULL)
		return BAD("%s: a string outside the image, with a NUL inside, or "
			   "without its NUL", what);
	return RSL_OK;
}

/* An attribute name, with the kind and hash the loader derives from it. */
static int attr(walk *w, const rsl__str *s, uint8_t kind, uint32_t hash, int hashed,
		const char *what)
{
	int rc = str(w, s, what);
	if (rc < 0)
		return rc;
	const char *p = RSL__S(*s);
	if (!rsl__is_attr_name(p, s->len))
		return BAD("%s '%.*s' is not an attribute name", what,
			   (int)(s->len > 64 ? 64 : s->len), p);
	if (kind != rsl__attr_kind(p, s->len) || (hashed && hash != rsl__name_hash(p, s->len)))
		return BAD("%s '%s': wrong kind or hash", what, p);
	return RSL_OK;
}

/* A scalar of one of the kinds in allowed (bits of 1 << rsl__vkind). */
static int val(walk *w, const rsl__val *v, unsigned allowed, const char *what)
{
	if (v->kind > RSL__V_JSON || !(allowed & 1u << v->kind) || v->b > 1)
		return BAD("%s: a value of kind %u where it cannot be", what, (unsigned)v->kind);
	if (v->kind == RSL__V_INT && v->f != (double)v->i)
		return BAD("%s: an integer whose float is not its value", what);
	if (v->kind == RSL__V_FLOAT && (v->f != v->f || v->f - v->f != 0.0))
		return BAD("%s: not a finite number", what);
	return str(w, &v->s, what);
}

#define K(k) (1u << (k))
#define K_NUM (K(RSL__V_INT) | K(RSL__V_FLOAT))

static int cond(walk *w, const rsl__cond *c, unsigned level);

static int kids(walk *w, const rsl__cond *c, unsigned level, uint32_t min, uint32_t max)
{
	if (c->nkids < min || c->nkids > max)
		return BAD("condition op %u with %u children", (unsigned)c->op,
			   (unsigned)c->nkids);
	const rsl__cond *k = span(w, &c->kids, c->nkids, sizeof *k, 8);
	if (k == NULL)
		return BAD("condition children outside the image");
	for (uint32_t i = 0; i < c->nkids; i++) {
		int rc = cond(w, &k[i], level + 1);
		if (rc < 0)
			return rc;
	}
	return RSL_OK;
}

static int cond(walk *w, const rsl__cond *c, unsigned level)
{
	int rc;
	if (level > RSL_MAX_COND_DEPTH)
		return BAD("conditions nested deeper than %d levels", RSL_MAX_COND_DEPTH);
	if (w->visits == 0)
		return BAD("more conditions reached than the image holds");
	w->visits--;
	/* What an op does not use is empty, so that no reader (the graph
	 * checks, explain, a walk over every condition) follows it. */
	int combinator = c->op >= RSL_OP_ALL && c->op <= RSL_OP_NOT;
	if ((rc = str(w, &c->attr, "attr")) < 0 || (rc = str(w, &c->value.s, "value")) < 0 ||
	    (rc = str(w, &c->semver.pre, "semver")) < 0)
		return rc;
	if ((!combinator && (c->nkids || c->kids.off)) ||
	    (c->op != RSL_OP_IN && c->op != RSL_OP_NOT_IN &&
	     (c->nlist || c->list.off || c->filter)))
		return BAD("condition op %u with children or a list it does not take",
			   (unsigned)c->op);
	if (c->op > RSL_OP_EXISTS && c->attr_id != 0)
		return BAD("condition op %u with an attribute number", (unsigned)c->op);
	switch (c->op) {
	case RSL_OP_ALL:
	case RSL_OP_ANY:
		return kids(w, c, level, 1, RSL_MAX_CHILDREN);
	case RSL_OP_NOT:
		return kids(w, c, level, 1, 1);
	case RSL_OP_SEGMENT:
		if (c->segment >= w->nsegments)
			return BAD("segment index %u out of range (%u segments)",
				   (unsigned)c->segment, (unsigned)w->nsegments);
		return RSL_OK;
	default:
		if (c->op < RSL_OP_EQ || c->op > RSL_OP_EXISTS)
			return BAD("unknown condition op %u", (unsigned)c->op);
	}
	if ((rc = attr(w, &c->attr, c->attr_kind, c->attr_hash, 0, "attr")) < 0)
		return rc;
	/* A named test's name is one of the image's names, whose hash it
	 * carries (each name hashed once, in names()); else unnumbered. */
	if (c->attr_kind == RSL__ATTR_NAMED
		    ? c->attr_id >= w->nattrs || w->attrs[c->attr_id].s.len != c->attr.len ||
		      w->attrs[c->attr_id].hash != c->attr_hash ||
		      memcmp(RSL__S(w->attrs[c->attr_id].s), RSL__S(c->attr), c->attr.len) != 0
		    : c->attr_id != 0 || c->attr_hash != rsl__name_hash(RSL__S(c->attr), c->attr.len))
		return BAD("attr '%s': not attribute name %u of the image, or the wrong hash",
			   RSL__S(c->attr), (unsigned)c->attr_id);
	if (c->ci > 1 || (c->ci && c->op > RSL_OP_ENDS_WITH))
		return BAD("'ci' on op %u", (unsigned)c->op);
	unsigned allowed;
	switch (c->op) {
	case RSL_OP_EQ:
	case RSL_OP_NE: allowed = K(RSL__V_STRING) | K_NUM | K(RSL__V_BOOL); break;
	case RSL_OP_IN:
	case RSL_OP_NOT_IN: allowed = K(RSL__V_BOOL); break; /* value unused */
	case RSL_OP_LT:
	case RSL_OP_LTE:
	case RSL_OP_GT:
	case RSL_OP_GTE: allowed = K_NUM; break;
	case RSL_OP_BEFORE:
	case RSL_OP_AFTER: allowed = K(RSL__V_INT); break;
	case RSL_OP_EXISTS: allowed = K(RSL__V_BOOL); break;
	default: allowed = K(RSL__V_STRING); break; /* text tests, semver_* */
	}
	if ((rc = val(w, &c->value, allowed, "value")) < 0)
		return rc;
	if (c->op >= RSL_OP_SEMVER_EQ && c->op <= RSL_OP_SEMVER_GTE) {
		rsl__semver v;
		if (rsl__semver_parse(&v, RSL__S(c->value.s), c->value.s.len) != 0 ||
		    v.major != c->semver.major || v.minor != c->semver.minor ||
		    v.patch != c->semver.patch || v.pre.len != c->semver.pre.len ||
		    (rc = str(w, &c->semver.pre, "semver")) < 0 ||
		    memcmp(RSL__S(c->semver.pre), v.pre.p, v.pre.len) != 0)
			return rc < 0 ? rc : BAD("a semantic version that is not its text");
	}
	if (c->op != RSL_OP_IN && c->op != RSL_OP_NOT_IN)
		return RSL_OK;
	if (c->nlist == 0 || c->nlist > RSL_MAX_LIST)
		return BAD("'values' of %u items", (unsigned)c->nlist);
	const rsl__val *l = span(w, &c->list, c->nlist, sizeof *l, 8);
	if (l == NULL)
		return BAD("'values' outside the image");
	for (uint32_t i = 0; i < c->nlist; i++)
		if ((rc = val(w, &l[i], K(RSL__V_STRING) | K_NUM, "values")) < 0)
			return rc;
	if (c->filter != rsl__list_filter(l, c->nlist, c->ci))
		return BAD("an 'in' list whose filter is not its own");
	return RSL_OK;
}

static int split(walk *w, const rsl__split *s)
{
	if (s->n == 0 || s->n > RSL_MAX_VARIANTS)
		return BAD("a split of %u entries", (unsigned)s->n);
	const uint32_t *v = span(w, &s->variant, s->n, 4, 4);
	const uint32_t *u = span(w, &s->upper, s->n, 4, 4);
	if (v == NULL || u == NULL)
		return BAD("a split outside the image");
	uint64_t named = 0; /* a split names each variant once */
	for (uint32_t i = 0; i < s->n; i++) {
		if (v[i] >= w->nvariants || u[i] > RSL_WEIGHT_TOTAL || (i && u[i] < u[i - 1]) ||
		    (named & (uint64_t)1 << v[i]))
			return BAD("split entry %u: variant %u, upper bound %u", (unsigned)i,
				   (unsigned)v[i], (unsigned)u[i]);
		named |= (uint64_t)1 << v[i];
	}
	if (u[s->n - 1] != RSL_WEIGHT_TOTAL)
		return BAD("split weights add up to %u, not %u", (unsigned)u[s->n - 1],
			   RSL_WEIGHT_TOTAL);
	return RSL_OK;
}

static int serve(walk *w, const rsl__serve *s)
{
	int rc;
	if (s->kind > RSL_SERVE_SCHEDULE)
		return BAD("serve: unknown kind %u", (unsigned)s->kind);
	/* An unconfigured flag's default reads no attribute: "" */
	if (s->kind == RSL_SERVE_VARIANT && s->by.len == 0 && s->by_kind == RSL__ATTR_NAMED &&
	    s->by_hash == 0)
		rc = str(w, &s->by, "by");
	else
		rc = attr(w, &s->by, s->by_kind, s->by_hash, s->by_kind == RSL__ATTR_NAMED, "by");
	if (rc < 0)
		return rc;
	if ((s->kind != RSL_SERVE_SPLIT && (s->split.n || s->split.variant.off || s->split.upper.off)) ||
	    (s->kind != RSL_SERVE_SCHEDULE && (s->nsteps || s->steps.off)))
		return BAD("serve of kind %u with a split or steps it does not take",
			   (unsigned)s->kind);
	switch (s->kind) {
	case RSL_SERVE_VARIANT:
		return s->variant < w->nvariants ? RSL_OK
			: BAD("variant index %u out of range (%u variants)",
			      (unsigned)s->variant, (unsigned)w->nvariants);
	case RSL_SERVE_SPLIT:
		return split(w, &s->split);
	}
	if (s->nsteps == 0 || s->nsteps > RSL_MAX_STEPS)
		return BAD("a schedule of %u steps", (unsigned)s->nsteps);
	const rsl__step *st = span(w, &s->steps, s->nsteps, sizeof *st, 8);
	if (st == NULL)
		return BAD("schedule steps outside the image");
	for (uint32_t i = 0; i < s->nsteps; i++) {
		if (i && st[i].at <= st[i - 1].at)
			return BAD("step %u is not after the previous step", (unsigned)i);
		if (st[i].kind == RSL_SERVE_VARIANT)
			rc = st[i].variant < w->nvariants && st[i].split.n == 0 &&
			     !st[i].split.variant.off && !st[i].split.upper.off ? RSL_OK
				: BAD("step %u: variant index out of range, or a split", (unsigned)i);
		else if (st[i].kind == RSL_SERVE_SPLIT)
			rc = split(w, &st[i].split);
		else
			rc = BAD("step %u: unknown kind %u", (unsigned)i, (unsigned)st[i].kind);
		if (rc < 0)
			return rc;
	}
	return RSL_OK;
}

static const unsigned kind_of_type[] = {
	K(RSL__V_BOOL), K(RSL__V_STRING), K(RSL__V_INT), K(RSL__V_FLOAT), K(RSL__V_JSON)
};

static int flag(walk *w, const rsl__flag *f, uint32_t i, const rsl__flag *prev)
{
	rsl__dec *d = w->d;
	int rc;
	d->what = "flag";
	d->index = i;
	d->key = NULL;
	d->sub = SUB_NONE;
	if ((rc = str(w, &f->key, "key")) < 0)
		return rc;
	d->key = RSL__S(f->key);
	d->keylen = f->key.len;
	if (f->key.len > RSL_KEY_MAX || !rsl__is_key(d->key, f->key.len))
		return BAD("not a flag key");
	if (prev && strcmp(RSL__S(prev->key), d->key) >= 0) /* keys have no NUL */
		return BAD("flags are not sorted by key, or not unique");
	if (f->hash != rsl__key_hash(d->key, f->key.len))
		return BAD("the key's hash is not its own");
	if (f->type > RSL_TYPE_OBJECT || f->configured > 1 || f->enabled > 1)
		return BAD("type %u, configured %u, enabled %u", (unsigned)f->type,
			   (unsigned)f->configured, (unsigned)f->enabled);
	if ((rc = str(w, &f->salt, "salt")) < 0 || (rc = str(w, &f->file, "file")) < 0 ||
	    (rc = str(w, &f->tfile, "targeting file")) < 0)
		return rc;
	if (f->seed != rsl__bucket_seed(RSL__S(f->salt), f->salt.len))
		return BAD("the bucketing seed is not the salt's");
	if (f->nvariants == 0 || f->nvariants > RSL_MAX_VARIANTS)
		return BAD("%u variants", (unsigned)f->nvariants);
	const rsl__variant *v = span(w, &f->variants, f->nvariants, sizeof *v, 8);
	if (v == NULL)
		return BAD("variants outside the image");
	w->nvariants = f->nvariants;
	for (uint32_t j = 0; j < f->nvariants; j++) {
		d->sub = SUB_VARIANT, d->subi = j;
		if ((rc = str(w, &v[j].name, "name")) < 0 ||
		    (rc = val(w, &v[j].value, kind_of_type[f->type], "value")) < 0)
			return rc;
		const char *nm = RSL__S(v[j].name);
		if (v[j].name.len > RSL_KEY_MAX || !rsl__is_key(nm, v[j].name.len))
			return BAD("variant name '%.*s' is not a key",
				   (int)(v[j].name.len > 64 ? 64 : v[j].name.len), nm);
		for (uint32_t k = 0; k < j; k++)
			if (strcmp(RSL__S(v[k].name), nm) == 0)
				return BAD("duplicate variant name '%s'", nm);
	}
	d->sub = SUB_NONE;
	if (f->off >= f->nvariants)
		return BAD("'off' is variant %u of %u", (unsigned)f->off, (unsigned)f->nvariants);
	const rsl__req *rq = span(w, &f->requires, f->nrequires, sizeof *rq, 4);
	if (rq == NULL || f->nrequires > RSL_MAX_FLAGS)
		return BAD("requires outside the image");
	for (uint32_t j = 0; j < f->nrequires; j++)
		if (rq[j].flag >= w->nflags || rq[j].flag == i || rq[j].variant >= RSL_MAX_VARIANTS)
			return BAD("requires %u: flag %u, variant %u", (unsigned)j,
				   (unsigned)rq[j].flag, (unsigned)rq[j].variant);
	if (f->nrules > RSL_MAX_RULES)
		return BAD("%u rules", (unsigned)f->nrules);
	const rsl__rule *r = span(w, &f->rules, f->nrules, sizeof *r, 4);
	if (r == NULL)
		return BAD("rules outside the image");
	for (uint32_t j = 0; j < f->nrules; j++) {
		d->sub = SUB_RULE, d->subi = j;
		const rsl__cond *c = rsl__when(&r[j].when);
		if ((rc = str(w, &r[j].name, "name")) < 0)
			return rc;
		if (c && (span(w, &r[j].when, 1, sizeof *c, 8) == NULL))
			return BAD("'when' outside the image");
		if ((c && (rc = cond(w, c, 1)) < 0) || (rc = serve(w, &r[j].serve)) < 0)
			return rc;
	}
	d->sub = SUB_DEFAULT;
	if ((rc = serve(w, &f->dflt)) < 0)
		return rc;
	d->sub = SUB_NONE;
	if (!f->configured && (f->nrules || f->nrequires || f->enabled ||
			       f->dflt.kind != RSL_SERVE_VARIANT || f->dflt.variant != f->off))
		return BAD("a flag without targeting that has rules or serves on");
	uint8_t is_static = f->configured && f->enabled && f->nrequires == 0 &&
			    f->nrules == 0 && f->dflt.kind == RSL_SERVE_VARIANT;
	if (f->is_static != is_static)
		return BAD("'static' is not what the flag is");
	return RSL_OK;
}

/* The attribute names: each a name of a named attribute, hashed, sorted
 * and unique (bytewise, a prefix first: decode.c's order). */
static int names(walk *w, const rsl__image *im)
{
	const rsl__name *a = span(w, &im->attrs, im->nattrs, sizeof *a, 8);
	if (a == NULL)
		return BAD("attribute names outside the image");
	for (uint32_t i = 0; i < im->nattrs; i++) {
		int rc = attr(w, &a[i].s, RSL__ATTR_NAMED, a[i].hash, 1, "attribute name");
		if (rc < 0)
			return rc;
		if (a[i].pad != 0)
			return BAD("attribute name %u: padding that is not zero", (unsigned)i);
		if (i && rsl__key_cmp(RSL__S(a[i - 1].s), a[i - 1].s.len, RSL__S(a[i].s),
				      a[i].s.len) >= 0)
			return BAD("attribute names are not sorted, or not unique: '%s' "
				   "after '%s'", RSL__S(a[i].s), RSL__S(a[i - 1].s));
	}
	w->attrs = a;
	w->nattrs = im->nattrs;
	return RSL_OK;
}

int rsl__image_check(rsl__dec *d, rsl_snapshot *s, const uint8_t *p, size_t len)
{
	walk wk = { d, p, p + len, NULL, 0, 0, 0, 0, 0, len / sizeof(rsl__cond) };
	walk *w = &wk;
	const rsl__image *im = (const rsl__image *)p;
	int rc;
	d->what = NULL;
	d->sub = SUB_NONE;
	if (((uintptr_t)p & 15) != 0)
		return BAD("not at a multiple of 16 bytes from the file's start");
	if (len < sizeof *im || len > RSL__IMAGE_MAX ||
	    memcmp(im->magic, RSL__IMAGE_MAGIC, sizeof im->magic) != 0 || im->size != len)
		return BAD("no image header, or a header that does not say this size");
	if (memcmp(im->names, "targeting_key\0\0\0", 16) != 0)
		return BAD("the header's names are not \"targeting_key\"");
	if (im->nflags > RSL_MAX_FLAGS || im->nsegments > RSL_MAX_SEGMENTS ||
	    im->nslots < 2 || (im->nslots & (im->nslots - 1)) != 0 ||
	    im->nslots / 2 < im->nflags)
		return BAD("%u flags, %u segments, %u index slots", (unsigned)im->nflags,
			   (unsigned)im->nsegments, (unsigned)im->nslots);
	w->nflags = im->nflags;
	w->nsegments = im->nsegments;
	const rsl__flag *flags = span(w, &im->flags, im->nflags, sizeof *flags, 8);
	const rsl__segment *segs = span(w, &im->segments, im->nsegments, sizeof *segs, 4);
	const uint32_t *slots = span(w, &im->slots, im->nslots, 4, 4);
	if (flags == NULL || segs == NULL || slots == NULL)
		return BAD("flags, segments or index outside the image");
	/* For the graph checks, each flag's made as soon as the flag is
	 * checked, while its records are in the cache (graph.h). */
	s->flags = flags;
	s->nflags = im->nflags;
	s->segments = segs;
	s->nsegments = im->nsegments;
	if (im->pad != 0)
		return BAD("the header's padding is not zero");
	if ((rc = names(w, im)) < 0)
		return rc;
	d->what = "segment";
	for (uint32_t j = 0; j < im->nsegments; j++) {
		const rsl__segment *g = &segs[j];
		d->index = j;
		d->key = NULL;
		if ((rc = str(w, &g->key, "key")) < 0)
			return rc;
		d->key = RSL__S(g->key);
		d->keylen = g->key.len;
		if (g->key.len > RSL_KEY_MAX || !rsl__is_key(d->key, g->key.len))
			return BAD("not a segment key");
		if (j && strcmp(RSL__S(segs[j - 1].key), d->key) >= 0)
			return BAD("segments are not sorted by key, or not unique");
		const rsl__cond *c = rsl__when(&g->when);
		if (c == NULL || span(w, &g->when, 1, sizeof *c, 8) == NULL)
			return BAD("'when' missing or outside the image");
		if ((rc = cond(w, c, 1)) < 0)
			return rc;
	}
	rsl__graph *g;
	if ((rc = rsl__graph_begin(&g, d, s)) < 0)
		return rc;
	for (uint32_t i = 0; i < im->nflags; i++)
		if ((rc = flag(w, &flags[i], i, i ? &flags[i - 1] : NULL)) < 0 ||
		    (rc = rsl__graph_flag(g, i)) < 0) {
			rsl__graph_free(g);
			return rc;
		}
	d->what = NULL;
	d->sub = SUB_NONE;
	/* The index: as many entries as flags, each in range (so an empty
	 * slot ends every probe), and each flag found where it is. */
	if ((rc = rsl__graph_end(g)) < 0)
		return rc;
	uint32_t used = 0;
	for (uint32_t j = 0; j < im->nslots; j++) {
		if (slots[j] > im->nflags)
			return BAD("index slot %u names flag %u of %u", (unsigned)j,
				   (unsigned)slots[j], (unsigned)im->nflags);
		used += slots[j] != 0;
	}
	if (used != im->nflags)
		return BAD("the index holds %u entries for %u flags", (unsigned)used,
			   (unsigned)im->nflags);
	s->image = im;
	s->flags = flags;
	s->nflags = im->nflags;
	s->segments = segs;
	s->nsegments = im->nsegments;
	s->slots = slots;
	s->mask = im->nslots - 1u;
	s->attrs = w->attrs;
	s->nattrs = w->nattrs;
	s->info.flag_count = im->nflags;
	/* Each flag found where it is, probing with its key's hash (checked
	 * against the key in flag()): the key is not hashed again. */
	for (uint32_t i = 0; i < im->nflags; i++)
		if (rsl__find_hashed(s, flags[i].hash, RSL__S(flags[i].key), flags[i].key.len) !=
		    &flags[i])
			return BAD("the index does not find flag '%s'", RSL__S(flags[i].key));
	return RSL_OK;
}
