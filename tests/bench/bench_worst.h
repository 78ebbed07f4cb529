/* bench_worst.h - the worst-case part of `make bench` (bench_worst.c). */
#ifndef BENCH_WORST_H
#define BENCH_WORST_H

#include "rsl.h"

/* Compiles, opens and measures the worst flags under root with rsc and the
 * key root/k.key (trusted in kr): every kind, or only the one named only
 * (a row's name) when not NULL.  0, or 1 after a message on stderr. */
int bench_worst(const char *root, const char *rsc, rsl_keyring *kr, const char *only);

#endif
