// libavformat behind the opaque handle of CMux.h. The calls follow doc/examples/mux.c
// (FFmpeg 5.1, Debian 12): avformat_alloc_output_context2, avformat_new_stream,
// avio_open, avformat_write_header, av_interleaved_write_frame, av_write_trailer.
#include "CMux.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/mem.h>
#include <libavutil/log.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct cmux_muxer {
    AVFormatContext *oc;
    AVPacket *pkt;
    int header_written;
};

/// "<what>: <av_strerror text>" into err.
static int fail(char *err, size_t errlen, int code, const char *fmt, ...) {
    if (err && errlen > 0) {
        char what[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        char reason[AV_ERROR_MAX_STRING_SIZE];
        if (av_strerror(code, reason, sizeof reason) < 0) snprintf(reason, sizeof reason, "error %d", code);
        snprintf(err, errlen, "%s: %s", what, reason);
    }
    return code;
}

/// libav* log to stderr; in a daemon only their errors should (ours come back in err anyway).
static pthread_once_t log_level_once = PTHREAD_ONCE_INIT;
static void set_log_level(void) { av_log_set_level(AV_LOG_ERROR); }

cmux_muxer *cmux_open(const char *path, const char *format, char *err, size_t errlen) {
    pthread_once(&log_level_once, set_log_level);
    cmux_muxer *m = av_mallocz(sizeof *m);
    if (!m) { fail(err, errlen, AVERROR(ENOMEM), "cannot allocate the muxer"); return NULL; }
    int r = avformat_alloc_output_context2(&m->oc, NULL, format, path);
    if (r < 0 || !m->oc) {
        fail(err, errlen, r < 0 ? r : AVERROR_MUXER_NOT_FOUND, "no output format \"%s\"", format);
        av_free(m);
        return NULL;
    }
    m->pkt = av_packet_alloc();
    if (!m->pkt) { fail(err, errlen, AVERROR(ENOMEM), "cannot allocate a packet"); cmux_close(m); return NULL; }
    if (!(m->oc->oformat->flags & AVFMT_NOFILE)) {
        r = avio_open(&m->oc->pb, path, AVIO_FLAG_WRITE);
        if (r < 0) { fail(err, errlen, r, "cannot open %s", path); cmux_close(m); return NULL; }
    }
    return m;
}

/// Copies extradata into the padded buffer libavcodec expects.
static int set_extradata(AVCodecParameters *par, const uint8_t *data, size_t len) {
    if (!data || len == 0) return 0;
    par->extradata = av_mallocz(len + AV_INPUT_BUFFER_PADDING_SIZE);
    if (!par->extradata) return AVERROR(ENOMEM);
    memcpy(par->extradata, data, len);
    par->extradata_size = (int)len;
    return 0;
}

int cmux_add_video(cmux_muxer *m, cmux_video_codec codec, int width, int height,
                   const uint8_t *extradata, size_t extradata_len, char *err, size_t errlen) {
    enum AVCodecID id;
    switch (codec) {
    case CMUX_VIDEO_VP8: id = AV_CODEC_ID_VP8; break;
    case CMUX_VIDEO_VP9: id = AV_CODEC_ID_VP9; break;
    case CMUX_VIDEO_H264: id = AV_CODEC_ID_H264; break;
    case CMUX_VIDEO_AV1: id = AV_CODEC_ID_AV1; break;
    default: return fail(err, errlen, AVERROR(EINVAL), "unknown video codec %d", (int)codec);
    }
    if (m->header_written) return fail(err, errlen, AVERROR(EINVAL), "stream added after the header");
    AVStream *st = avformat_new_stream(m->oc, NULL);
    if (!st) return fail(err, errlen, AVERROR(ENOMEM), "cannot add a video stream");
    st->time_base = (AVRational){1, 1000};
    AVCodecParameters *par = st->codecpar;
    par->codec_type = AVMEDIA_TYPE_VIDEO;
    par->codec_id = id;
    par->width = width;
    par->height = height;
    par->format = AV_PIX_FMT_YUV420P;
    int r = set_extradata(par, extradata, extradata_len);
    if (r < 0) return fail(err, errlen, r, "cannot store the video extradata");
    if (avformat_query_codec(m->oc->oformat, id, FF_COMPLIANCE_NORMAL) == 0)
        return fail(err, errlen, AVERROR(EINVAL), "%s cannot hold %s", m->oc->oformat->name, avcodec_get_name(id));
    return st->index;
}

int cmux_add_opus(cmux_muxer *m, int sample_rate, int channels, int pre_skip, char *err, size_t errlen) {
    if (m->header_written) return fail(err, errlen, AVERROR(EINVAL), "stream added after the header");
    if (channels < 1 || channels > 2) return fail(err, errlen, AVERROR(EINVAL), "opus with %d channels", channels);
    AVStream *st = avformat_new_stream(m->oc, NULL);
    if (!st) return fail(err, errlen, AVERROR(ENOMEM), "cannot add an audio stream");
    st->time_base = (AVRational){1, 1000};
    AVCodecParameters *par = st->codecpar;
    par->codec_type = AVMEDIA_TYPE_AUDIO;
    par->codec_id = AV_CODEC_ID_OPUS;
    par->sample_rate = sample_rate;
#if LIBAVUTIL_VERSION_INT >= AV_VERSION_INT(57, 24, 100)
    av_channel_layout_default(&par->ch_layout, channels);
#else
    par->channels = channels;
    par->channel_layout = av_get_default_channel_layout(channels);
#endif
    par->initial_padding = pre_skip;
    // RFC 7845 §5.1: "OpusHead", version 1, channel count, pre-skip (LE16), input sample rate
    // (LE32), output gain (LE16, Q7.8 dB), channel mapping family 0 (mono/stereo, no table).
    uint8_t head[19] = {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, (uint8_t)channels};
    head[10] = (uint8_t)(pre_skip & 0xFF);
    head[11] = (uint8_t)((pre_skip >> 8) & 0xFF);
    head[12] = (uint8_t)(sample_rate & 0xFF);
    head[13] = (uint8_t)((sample_rate >> 8) & 0xFF);
    head[14] = (uint8_t)((sample_rate >> 16) & 0xFF);
    head[15] = (uint8_t)((sample_rate >> 24) & 0xFF);
    head[16] = 0;
    head[17] = 0;
    head[18] = 0;
    int r = set_extradata(par, head, sizeof head);
    if (r < 0) return fail(err, errlen, r, "cannot store the OpusHead");
    return st->index;
}

int cmux_write_header(cmux_muxer *m, char *err, size_t errlen) {
    if (m->header_written) return 0;
    int r = avformat_write_header(m->oc, NULL);
    if (r < 0) return fail(err, errlen, r, "cannot write the %s header", m->oc->oformat->name);
    m->header_written = 1;
    return 0;
}

int cmux_write_packet(cmux_muxer *m, int stream, const uint8_t *data, size_t len, int64_t pts_ms,
                      int64_t duration_ms, int keyframe, char *err, size_t errlen) {
    if (!m->header_written) return fail(err, errlen, AVERROR(EINVAL), "packet before the header");
    if (stream < 0 || stream >= (int)m->oc->nb_streams) return fail(err, errlen, AVERROR(EINVAL), "no stream %d", stream);
    if (len == 0 || len > INT32_MAX) return fail(err, errlen, AVERROR(EINVAL), "packet of %zu bytes", len);
    AVPacket *pkt = m->pkt;
    int r = av_new_packet(pkt, (int)len);
    if (r < 0) return fail(err, errlen, r, "cannot allocate a packet of %zu bytes", len);
    memcpy(pkt->data, data, len);
    AVRational ms = {1, 1000};
    AVRational tb = m->oc->streams[stream]->time_base;  // the muxer may have changed it
    pkt->stream_index = stream;
    pkt->pts = pkt->dts = av_rescale_q(pts_ms, ms, tb);
    pkt->duration = duration_ms > 0 ? av_rescale_q(duration_ms, ms, tb) : 0;
    if (keyframe) pkt->flags |= AV_PKT_FLAG_KEY;
    r = av_interleaved_write_frame(m->oc, pkt);  // takes the reference, leaves pkt blank
    av_packet_unref(pkt);
    if (r < 0) return fail(err, errlen, r, "cannot write a packet of stream %d at %lld ms", stream, (long long)pts_ms);
    return 0;
}

int cmux_write_trailer(cmux_muxer *m, char *err, size_t errlen) {
    if (!m->header_written) return fail(err, errlen, AVERROR(EINVAL), "trailer before the header");
    int r = av_write_trailer(m->oc);
    m->header_written = 0;  // written: cmux_close must not write it again
    if (r < 0) return fail(err, errlen, r, "cannot write the %s trailer", m->oc->oformat->name);
    if (m->oc->pb && (r = m->oc->pb->error) < 0) return fail(err, errlen, r, "write error");
    return 0;
}

void cmux_close(cmux_muxer *m) {
    if (!m) return;
    if (m->oc) {
        if (m->oc->pb && !(m->oc->oformat->flags & AVFMT_NOFILE)) avio_closep(&m->oc->pb);
        avformat_free_context(m->oc);
    }
    av_packet_free(&m->pkt);
    av_free(m);
}
