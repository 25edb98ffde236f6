#define _GNU_SOURCE
#include "CMicroLinux.h"
#include <sys/socket.h>

_Static_assert(sizeof(struct micro_mmsghdr) == sizeof(struct mmsghdr), "mmsghdr layout");

int micro_sendmmsg(int fd, struct micro_mmsghdr *msgs, unsigned int n) {
    return sendmmsg(fd, (struct mmsghdr *)msgs, n, MSG_DONTWAIT);
}
