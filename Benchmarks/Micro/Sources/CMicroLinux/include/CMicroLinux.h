#ifndef BRIDGED_MICRO_CLINUX_H
#define BRIDGED_MICRO_CLINUX_H
#include <sys/socket.h>
/* sendmmsg for the loopback reference benchmark (Swift's Glibc module does not expose it: it
   needs _GNU_SOURCE). The same wrapper as the root package's CLinux, which is not a product. */

/// Same layout as struct mmsghdr.
struct micro_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};

int micro_sendmmsg(int fd, struct micro_mmsghdr *msgs, unsigned int n);
#endif
