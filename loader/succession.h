/*
 * succession.h - the live client's rules for a snapshot that would replace
 * the one a node holds, in one place: rsl_client (client_reload.c) judges
 * every file with them, and `rsc agent` judges every download with them
 * before it renames it into place, so that the agent never writes a file
 * the node's client would refuse.  Internal to librsl.
 *
 * The rules (docs/operations.md): the checks of rsl_open (signature by a
 * trusted key, structure, environment); then, against the current one, not
 * older (RSL_EROLLBACK), and the same version only as a renewal: the same
 * rules (digest.h) issued later (else RSL_EREPLAY).
 */
#ifndef RSL_SUCCESSION_H
#define RSL_SUCCESSION_H

#include <stddef.h>

#include "rsl.h"

/*
 * Opens buf[0..n) with o (rsl_open_buffer) and judges it against cur (NULL:
 * nothing held, only rsl_open's checks apply).  from names the bytes in
 * messages ("from: ...").
 *
 * RSL_OK: *out is the new snapshot (the caller's, rsl_close), *renewal 1
 * when it is cur's renewal.  RSL_EROLLBACK or RSL_EREPLAY: *out is the
 * refused snapshot all the same (for the client's operator override, and
 * for the version and commit the caller reports; the caller closes it),
 * err says why in one line.  Any other code: rsl_open_buffer's refusal,
 * *out NULL, err "from: <rsl_open's message>".
 */
int rsl__succession_judge(rsl_snapshot **out, int *renewal, const void *buf, size_t n,
			  const rsl_open_options *o, const rsl_snapshot *cur,
			  const char *from, rsl_error *err);

#endif
