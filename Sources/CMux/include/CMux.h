#ifndef BRIDGED_CMUX_H
#define BRIDGED_CMUX_H
#include <stddef.h>
#include <stdint.h>
/* A small muxer over libavformat (Debian's libavformat-dev, what janus-pp-rec uses): open an
   output by format name ("webm", "matroska", "mp4"), add streams, write whole encoded frames with
   millisecond timestamps, finish. No AV struct crosses this header; Swift sees one opaque
   handle. Every call that can fail returns a negative AVERROR and writes a message (with
   av_strerror's text) into `err` (at most `errlen` bytes, NUL-terminated). Not thread-safe:
   one handle, one thread. */

typedef struct cmux_muxer cmux_muxer;

/// The video codecs the muxer takes (mapped to AVCodecID inside).
typedef enum {
    CMUX_VIDEO_VP8 = 1,
    CMUX_VIDEO_VP9 = 2,
    CMUX_VIDEO_H264 = 3,
    CMUX_VIDEO_AV1 = 4,
} cmux_video_codec;

/// Creates `path` (truncating it) for the container `format` (a libavformat short name).
/// Returns NULL on failure, with the reason in err.
cmux_muxer *cmux_open(const char *path, const char *format, char *err, size_t errlen);

/// Adds a video stream. `extradata` (may be NULL) is the codec's configuration: for H.264,
/// Annex-B SPS and PPS (the Matroska and MP4 muxers turn them into an avcC record); for AV1,
/// the sequence header OBU. Returns the stream index (>= 0) or a negative AVERROR.
int cmux_add_video(cmux_muxer *m, cmux_video_codec codec, int width, int height,
                   const uint8_t *extradata, size_t extradata_len, char *err, size_t errlen);

/// Adds an Opus stream with a 19-byte OpusHead (RFC 7845 §5.1, channel mapping family 0) as
/// its extradata. `pre_skip` is in 48 kHz samples. Returns the stream index or a negative AVERROR.
int cmux_add_opus(cmux_muxer *m, int sample_rate, int channels, int pre_skip, char *err, size_t errlen);

/// Writes the container header; call once, after the streams are added.
int cmux_write_header(cmux_muxer *m, char *err, size_t errlen);

/// Writes one whole frame of stream `stream` at `pts_ms` (decode order = presentation order:
/// dts = pts). The data is copied.
int cmux_write_packet(cmux_muxer *m, int stream, const uint8_t *data, size_t len, int64_t pts_ms,
                      int64_t duration_ms, int keyframe, char *err, size_t errlen);

/// Flushes the interleaving queue and writes the trailer (cues, duration).
int cmux_write_trailer(cmux_muxer *m, char *err, size_t errlen);

/// Closes the file and frees everything (also after a failure, or without a trailer).
void cmux_close(cmux_muxer *m);

#endif
