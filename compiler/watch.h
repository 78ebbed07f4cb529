/*
 * watch.h - `rsc watch`'s engine: run the live client (rsl_client) on a
 * snapshot path and print, on stdout, one line per refresh outcome
 * ("<time> accepted <path>: ..."), and a flag's decision for a context
 * after every accepted snapshot.
 */
#ifndef RSC_WATCH_H
#define RSC_WATCH_H

#include "rsl.h"

typedef struct rsc_watch_options {
	const char *path;          /* the snapshot file to follow */
	rsl_client_options client; /* keys and the rest; on_event is set here */
	const char *flag;          /* NULL: no decisions printed */
	const rsl_context *ctx;    /* the flag's context */
	long max_events;           /* stop after this many outcome lines; 0: never */
	long timeout;              /* stop after this many seconds; 0: never */
} rsc_watch_options;

/* Runs until SIGINT or SIGTERM (blocked in the calling thread and taken
 * synchronously), max_events or timeout.  RSC_EXIT_OK once stopped, or
 * RSC_EXIT_IO after printing why the client could not start. */
int rsc_watch_run(const rsc_watch_options *o);

#endif
