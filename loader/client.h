/*
 * client.h - internals of client.c that tests look at (not installed).
 */
#ifndef RSL_CLIENT_INTERNAL_H
#define RSL_CLIENT_INTERNAL_H

/* The calling thread's reader slot: 0..255, -1 before its first
 * evaluation, -2 on the shared path (every slot was taken). */
int rsl__client_thread_slot(void);

#endif
