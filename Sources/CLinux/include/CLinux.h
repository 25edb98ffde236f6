#ifndef BRIDGED_CLINUX_H
#define BRIDGED_CLINUX_H
#include <sys/socket.h>
/* Linux calls Swift's Glibc module does not expose (epoll, eventfd, recvmmsg/sendmmsg need
   _GNU_SOURCE, and struct epoll_event is packed). Thin wrappers, compiled in CLinux.c. */

/// Same layout as struct mmsghdr.
struct csys_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};

int csys_epoll_create(void);
int csys_epoll_add_readable(int epfd, int fd);
int csys_epoll_del(int epfd, int fd);
/// Waits; writes the ready descriptors into fds; returns their count (0 on timeout or EINTR).
int csys_epoll_wait(int epfd, int *fds, int max, int timeout_ms);
int csys_eventfd(void);
/* Names the calling thread (15 bytes at most), as top and perf show it. */
int csys_set_thread_name(const char *name);
int csys_recvmmsg(int fd, struct csys_mmsghdr *msgs, unsigned int n);
int csys_sendmmsg(int fd, struct csys_mmsghdr *msgs, unsigned int n);
/// Bytes of control buffer one UDP_SEGMENT (GSO) message needs.
unsigned int csys_udp_segment_space(void);
/// Writes a UDP_SEGMENT control message with the segment size into buf; returns its length.
unsigned int csys_udp_segment_cmsg(void *buf, unsigned short segment_size);
#endif
