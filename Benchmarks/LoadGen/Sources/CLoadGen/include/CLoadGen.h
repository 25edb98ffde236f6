#ifndef LOADGEN_C_H
#define LOADGEN_C_H
#include <stdint.h>

/* Clocks. Kernel receive timestamps (SO_TIMESTAMPNS) are CLOCK_REALTIME. */
int64_t lg_realtime_ns(void);
int64_t lg_monotonic_ns(void);

/* A non-blocking UDP socket bound to 127.0.0.1:0 with kernel receive timestamps and large
   buffers. Returns the fd (or -1) and the bound port. */
int lg_udp_socket(uint16_t *port);
int lg_send(int fd, const void *buf, int len, uint32_t addr_host_order, uint16_t port);

/* One received datagram: buffer owned by the caller. */
typedef struct {
    uint8_t *buf;
    int32_t cap;
    int32_t len;
    uint32_t addr;   /* host order */
    uint16_t port;
    int64_t rx_ns;   /* kernel arrival time, CLOCK_REALTIME; 0 if absent */
} lg_slot;
/* recvmmsg into up to n slots; returns the count (0 when nothing is waiting). */
int lg_recv_batch(int fd, lg_slot *slots, int n);

int lg_epoll_create(void);
int lg_epoll_add(int ep, int fd, uint32_t token);
/* Waits at most timeout_ns (epoll_pwait2); writes the ready tokens; returns their count. */
int lg_epoll_wait(int ep, uint32_t *tokens, int max, int64_t timeout_ns);

/* Encoded media, made once at start. */
typedef struct {
    uint8_t *data;
    int32_t len;
    int32_t keyframe;
} lg_frame;
/* Encodes `frames` frames of a moving synthetic picture with libvpx VP8 (real-time, CBR).
   Returns the number of frames written into *out (malloc'ed), or -1. */
int lg_encode_vp8(int width, int height, int fps, int kbps, int frames, int keyframe_interval, lg_frame **out);
/* Encodes `packets` 20 ms Opus packets of a tone with some noise. */
int lg_encode_opus(int kbps, int packets, lg_frame **out);

/* CPU time (user + system) of a process, in nanoseconds, and its resident set in bytes. */
int64_t lg_process_cpu_ns(int pid);
int64_t lg_process_rss_bytes(int pid);
int64_t lg_self_cpu_ns(void);
#endif
