#include "CLoadGen.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <opus/opus.h>
#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

int64_t lg_realtime_ns(void) {
    struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
int64_t lg_monotonic_ns(void) {
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int lg_udp_socket(uint16_t *port) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1, size = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET; a.sin_addr.s_addr = htonl(INADDR_LOOPBACK); a.sin_port = 0;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) { close(fd); return -1; }
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    *port = ntohs(a.sin_port);
    return fd;
}

int lg_send(int fd, const void *buf, int len, uint32_t addr, uint16_t port) {
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET; a.sin_addr.s_addr = htonl(addr); a.sin_port = htons(port);
    return (int)sendto(fd, buf, (size_t)len, 0, (struct sockaddr *)&a, sizeof a);
}

#define LG_MAX_BATCH 64
int lg_recv_batch(int fd, lg_slot *slots, int n) {
    if (n > LG_MAX_BATCH) n = LG_MAX_BATCH;
    struct mmsghdr msgs[LG_MAX_BATCH];
    struct iovec iov[LG_MAX_BATCH];
    struct sockaddr_in from[LG_MAX_BATCH];
    char control[LG_MAX_BATCH][CMSG_SPACE(sizeof(struct timespec))];
    for (int i = 0; i < n; i++) {
        iov[i].iov_base = slots[i].buf; iov[i].iov_len = (size_t)slots[i].cap;
        memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
        msgs[i].msg_hdr.msg_iov = &iov[i]; msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &from[i]; msgs[i].msg_hdr.msg_namelen = sizeof from[i];
        msgs[i].msg_hdr.msg_control = control[i]; msgs[i].msg_hdr.msg_controllen = sizeof control[i];
    }
    int r = recvmmsg(fd, msgs, (unsigned)n, MSG_DONTWAIT, NULL);
    if (r <= 0) return 0;
    for (int i = 0; i < r; i++) {
        slots[i].len = (int32_t)msgs[i].msg_len;
        slots[i].addr = ntohl(from[i].sin_addr.s_addr);
        slots[i].port = ntohs(from[i].sin_port);
        slots[i].rx_ns = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                struct timespec ts; memcpy(&ts, CMSG_DATA(c), sizeof ts);
                slots[i].rx_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
            }
        }
    }
    return r;
}

int lg_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }
int lg_epoll_add(int ep, int fd, uint32_t token) {
    struct epoll_event e = {0};
    e.events = EPOLLIN; e.data.u32 = token;
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}
int lg_epoll_wait(int ep, uint32_t *tokens, int max, int64_t timeout_ns) {
    struct epoll_event ev[256];
    if (max > 256) max = 256;
    if (timeout_ns < 0) timeout_ns = 0;
    struct timespec ts = { (time_t)(timeout_ns / 1000000000LL), (long)(timeout_ns % 1000000000LL) };
    int r = epoll_pwait2(ep, ev, max, &ts, NULL);
    if (r < 0 && errno == ENOSYS) r = epoll_wait(ep, ev, max, (int)(timeout_ns / 1000000));
    if (r <= 0) return 0;
    for (int i = 0; i < r; i++) tokens[i] = ev[i].data.u32;
    return r;
}

/* xorshift noise, deterministic */
static uint32_t rng = 2463534242u;
static inline uint32_t next_rand(void) { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; return rng; }

int lg_encode_vp8(int width, int height, int fps, int kbps, int frames, int kf_interval, lg_frame **out) {
    vpx_codec_enc_cfg_t cfg;
    if (vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &cfg, 0) != VPX_CODEC_OK) return -1;
    cfg.g_w = (unsigned)width; cfg.g_h = (unsigned)height;
    cfg.g_timebase.num = 1; cfg.g_timebase.den = fps;
    cfg.rc_target_bitrate = (unsigned)kbps;
    cfg.rc_end_usage = VPX_CBR;
    cfg.g_error_resilient = 1;
    cfg.g_lag_in_frames = 0;
    cfg.g_threads = 1;   /* deterministic output: the same stream on every run */
    cfg.rc_min_quantizer = 4; cfg.rc_max_quantizer = 63;
    cfg.rc_buf_sz = 1000; cfg.rc_buf_initial_sz = 500; cfg.rc_buf_optimal_sz = 600;
    cfg.kf_mode = VPX_KF_AUTO; cfg.kf_min_dist = (unsigned)kf_interval; cfg.kf_max_dist = (unsigned)kf_interval;
    vpx_codec_ctx_t codec;
    if (vpx_codec_enc_init(&codec, vpx_codec_vp8_cx(), &cfg, 0) != VPX_CODEC_OK) return -1;
    vpx_codec_control(&codec, VP8E_SET_CPUUSED, 16);
    vpx_codec_control(&codec, VP8E_SET_STATIC_THRESHOLD, 0);
    vpx_image_t img;
    if (!vpx_img_alloc(&img, VPX_IMG_FMT_I420, (unsigned)width, (unsigned)height, 16)) return -1;
    lg_frame *list = calloc((size_t)frames, sizeof(lg_frame));
    int count = 0;
    for (int f = 0; f < frames; f++) {
        /* A moving diagonal gradient, a sweeping bar and a band of fresh noise each frame: enough
           detail that CBR rate control spends its whole budget. */
        for (int y = 0; y < height; y++) {
            uint8_t *row = img.planes[0] + y * img.stride[0];
            for (int x = 0; x < width; x++) {
                int v = (x + y + f * 8) & 255;
                if (((x + f * 16) % width) < 64) v = 255 - v;
                if (y > height / 3 && y < height / 3 + height / 12) v = (v + (int)(next_rand() & 31)) & 255;
                row[x] = (uint8_t)v;
            }
        }
        for (int p = 1; p < 3; p++)
            for (int y = 0; y < height / 2; y++) {
                uint8_t *row = img.planes[p] + y * img.stride[p];
                for (int x = 0; x < width / 2; x++) row[x] = (uint8_t)(128 + ((x * p + y + f * 2) & 63) - 32);
            }
        vpx_enc_frame_flags_t flags = (f % kf_interval == 0) ? VPX_EFLAG_FORCE_KF : 0;
        if (vpx_codec_encode(&codec, &img, f, 1, flags, VPX_DL_GOOD_QUALITY) != VPX_CODEC_OK) break;
        const vpx_codec_cx_pkt_t *pkt; vpx_codec_iter_t it = NULL;
        while ((pkt = vpx_codec_get_cx_data(&codec, &it)) != NULL) {
            if (pkt->kind != VPX_CODEC_CX_FRAME_PKT || count >= frames) continue;
            list[count].len = (int32_t)pkt->data.frame.sz;
            list[count].data = malloc(pkt->data.frame.sz);
            memcpy(list[count].data, pkt->data.frame.buf, pkt->data.frame.sz);
            list[count].keyframe = (pkt->data.frame.flags & VPX_FRAME_IS_KEY) ? 1 : 0;
            count++;
        }
    }
    vpx_img_free(&img);
    vpx_codec_destroy(&codec);
    *out = list;
    return count;
}

int lg_encode_opus(int kbps, int packets, lg_frame **out) {
    int err = 0;
    OpusEncoder *enc = opus_encoder_create(48000, 2, OPUS_APPLICATION_AUDIO, &err);
    if (!enc || err != OPUS_OK) return -1;
    opus_encoder_ctl(enc, OPUS_SET_BITRATE(kbps * 1000));
    lg_frame *list = calloc((size_t)packets, sizeof(lg_frame));
    int16_t pcm[960 * 2];
    unsigned char buf[1500];
    double phase = 0;
    int count = 0;
    for (int p = 0; p < packets; p++) {
        double freq = 440.0 + 220.0 * ((p / 25) % 4);   /* a new note every half second */
        for (int i = 0; i < 960; i++) {
            double s = sin(phase) * 8000.0 + (double)((int)(next_rand() & 1023) - 512);
            phase += 2 * M_PI * freq / 48000.0;
            pcm[2 * i] = pcm[2 * i + 1] = (int16_t)s;
        }
        int n = opus_encode(enc, pcm, 960, buf, sizeof buf);
        if (n <= 0) break;
        list[count].data = malloc((size_t)n);
        memcpy(list[count].data, buf, (size_t)n);
        list[count].len = n;
        list[count].keyframe = 0;
        count++;
    }
    opus_encoder_destroy(enc);
    *out = list;
    return count;
}

int64_t lg_process_cpu_ns(int pid) {
    char path[64], line[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = 0;
    char *p = strrchr(line, ')');   /* comm may contain spaces */
    if (!p) return -1;
    unsigned long utime = 0, stime = 0;
    /* after ") ": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15) */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return -1;
    long hz = sysconf(_SC_CLK_TCK);
    return (int64_t)(utime + stime) * (1000000000LL / hz);
}

int64_t lg_process_rss_bytes(int pid) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    int64_t kb = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) { kb = atoll(line + 6); break; }
    fclose(f);
    return kb < 0 ? -1 : kb * 1024;
}

int64_t lg_self_cpu_ns(void) {
    struct rusage u; getrusage(RUSAGE_SELF, &u);
    return ((int64_t)u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000000LL
         + ((int64_t)u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1000LL;
}
