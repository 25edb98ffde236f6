#define _GNU_SOURCE
#include "CLinux.h"
#include <errno.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

_Static_assert(sizeof(struct csys_mmsghdr) == sizeof(struct mmsghdr), "mmsghdr layout");

int csys_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int csys_epoll_add_readable(int epfd, int fd) {
    struct epoll_event ev = { .events = EPOLLIN, .data = { .fd = fd } };
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int csys_epoll_del(int epfd, int fd) { return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL); }

int csys_epoll_wait(int epfd, int *fds, int max, int timeout_ms) {
    struct epoll_event events[64];
    if (max > 64) max = 64;
    int n = epoll_wait(epfd, events, max, timeout_ms);
    if (n < 0) return 0;
    for (int i = 0; i < n; i++) fds[i] = events[i].data.fd;
    return n;
}

int csys_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int csys_set_thread_name(const char *name) { return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0); }

int csys_recvmmsg(int fd, struct csys_mmsghdr *msgs, unsigned int n) {
    return recvmmsg(fd, (struct mmsghdr *)msgs, n, MSG_DONTWAIT, NULL);
}

int csys_sendmmsg(int fd, struct csys_mmsghdr *msgs, unsigned int n) {
    return sendmmsg(fd, (struct mmsghdr *)msgs, n, MSG_DONTWAIT);
}

unsigned int csys_udp_segment_space(void) { return CMSG_SPACE(sizeof(unsigned short)); }

unsigned int csys_udp_segment_cmsg(void *buf, unsigned short segment_size) {
    struct msghdr m = { .msg_control = buf, .msg_controllen = CMSG_SPACE(sizeof segment_size) };
    memset(buf, 0, CMSG_SPACE(sizeof segment_size));
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = IPPROTO_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof segment_size);
    memcpy(CMSG_DATA(c), &segment_size, sizeof segment_size);
    return CMSG_SPACE(sizeof segment_size);
}
