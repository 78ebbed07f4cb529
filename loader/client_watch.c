/*
 * client_watch.c - the live client's watching thread: inotify on the
 * file's directory where Linux has it (the file's own name, or a name
 * starting with ".." for the `..data` swap of Kubernetes volumes), and a
 * stat() poll every poll_interval_ms in any case, which also catches what
 * inotify cannot see (a network file system, a lost watch).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/inotify.h>
#endif

#include "client.h"
#include "keyring.h"

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void run_check(rsl_client *c, int force)
{
	rsl__evq q = { 0 };
	pthread_mutex_lock(&c->lock);
	rsl__client_check_primary(c, &q, force, NULL);
	rsl__client_check_expiry(c, &q);
	rsl__client_unlock(c);
	rsl__evq_emit(c, &q);
}

#ifdef __linux__
static void watch_dir(rsl_client *c)
{
	if (c->ino_fd < 0 || c->wd >= 0)
		return;
	c->wd = inotify_add_watch(c->ino_fd, c->dir,
				  IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE |
				  IN_MOVED_FROM | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF);
}

/* Reads pending events; 1 when one may concern the file: its own name, or
 * a name starting with ".." (the `..data` swap of Kubernetes volumes). */
static int drain_inotify(rsl_client *c)
{
	_Alignas(struct inotify_event) char buf[8192];
	int relevant = 0;
	for (;;) {
		ssize_t r = read(c->ino_fd, buf, sizeof buf);
		if (r <= 0)
			break;
		for (char *p = buf; p < buf + r;) {
			const struct inotify_event *ev = (const struct inotify_event *)(void *)p;
			if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_Q_OVERFLOW))
				relevant = 1;
			if (ev->mask & IN_IGNORED)
				c->wd = -1;
			if (ev->len && (strcmp(ev->name, c->base) == 0 ||
					strncmp(ev->name, "..", 2) == 0))
				relevant = 1;
			p += sizeof *ev + ev->len;
		}
	}
	return relevant;
}
#endif

static void *watch_main(void *arg)
{
	rsl_client *c = arg;
	int64_t next = now_ms() + c->poll_ms;
	for (;;) {
		int64_t wait = next - now_ms();
		struct pollfd p[2] = { { c->wake[0], POLLIN, 0 }, { c->ino_fd, POLLIN, 0 } };
		nfds_t np = c->ino_fd >= 0 ? 2 : 1;
		int r = poll(p, np, wait < 0 ? 0 : wait > INT_MAX ? INT_MAX : (int)wait);
		if (r > 0 && p[0].revents)
			break;
		int relevant = 0;
#ifdef __linux__
		if (r > 0 && np == 2 && (p[1].revents & POLLIN))
			relevant = drain_inotify(c);
#endif
		if (relevant)
			run_check(c, 1);
		if (now_ms() >= next) {
			run_check(c, 0);
#ifdef __linux__
			watch_dir(c);
#endif
			next = now_ms() + c->poll_ms;
		}
	}
	return NULL;
}

int rsl__client_start_watch(rsl_client *c, rsl_error *err)
{
	if (pipe(c->wake) != 0)
		return rsl__fail(err, RSL_EIO, "cannot create a pipe: %s", strerror(errno));
	fcntl(c->wake[0], F_SETFD, FD_CLOEXEC);
	fcntl(c->wake[1], F_SETFD, FD_CLOEXEC);
	c->watch = "poll";
#ifdef __linux__
	if (!(c->flags & RSL_CLIENT_POLL_ONLY)) {
		c->ino_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		watch_dir(c);
		if (c->ino_fd >= 0)
			c->watch = "inotify";
	}
#endif
	int e = pthread_create(&c->thread, NULL, watch_main, c);
	if (e != 0)
		return rsl__fail(err, RSL_EIO, "cannot start the watching thread: %s", strerror(e));
	c->has_thread = 1;
	return RSL_OK;
}
