import RTP

/// What a recorded room feeds, on its home loop (the data plane): each decrypted packet of a
/// recorded track and its sender reports. Never blocks, allocates or takes a lock; the room wakes
/// the writer (`wakeFD`) once per read batch, in `MediaWorker.flush`.
public protocol RecordingSink: AnyObject, Sendable {
    /// The participants to record (nil: whoever publishes).
    var participants: Set<String>? { get }
    /// Written once per read batch that recorded something.
    var wakeFD: Int32 { get }
    /// The video waits for a key frame: the room asks the publisher for one (through its limiter).
    var wantsKeyFrame: Bool { get }
    /// Copies one decrypted RTP packet (a full queue drops it and counts).
    func record(_ bytes: UnsafeRawBufferPointer, video: Bool, codec: CodecKind, clockRate: Int)
    /// The publisher's sender report on stream `ssrc` (for the audio/video alignment).
    func senderReport(video: Bool, ssrc: UInt32, ntp: UInt64, rtp: UInt32)
}

/// One recorder as `MediaServer` drives it (the control plane): started, read, stopped, finished.
public protocol RecorderControl: AnyObject, Sendable {
    /// What the room feeds.
    var sink: any RecordingSink { get }
    /// The files it writes once their track's first packet comes (for `recording_started`).
    var plannedFiles: [String] { get }
    /// The files written so far.
    var files: [String] { get }
    /// Bytes on disk so far, packets written, packets lost to a full queue.
    var bytes: Int { get }
    var packets: Int { get }
    var dropped: UInt64 { get }
    /// Why writing stopped (disk full, …), if it did.
    var error: String? { get }
    /// Time since the newest packet written, nil before the first.
    var sinceLastPacket: Duration? { get }
    /// Writes what a crash recovery needs, then starts writing (off the caller's thread).
    func start() throws(ControlError)
    /// `start` for a caller on an event loop: no file I/O there; a failure goes to `onError`.
    func startOffLoop()
    /// Drains what is queued, then flushes and closes the files. The room has stopped feeding it.
    func stop() async
    /// After `stop`: builds the playable file and reports it (`recording_ready`, or
    /// `recording_failed` when there is nothing playable), then runs the configured hook.
    func finish() async -> FinishedRecording
}

/// How a recording ended up once finished.
public struct FinishedRecording: Sendable, Equatable {
    public enum State: Sendable { case ready, failed }
    public var state: State
    /// The playable file (WebM or Matroska).
    public var playable: String?
    public var error: String?

    public init(state: State, playable: String?, error: String?) {
        self.state = state
        self.playable = playable
        self.error = error
    }
}

/// Where recordings go: `MediaServer` makes one recorder per recorded stream (a streaming room's,
/// or each recorded conference member's) and, at start, has the unfinished recordings of a dead
/// process finished. Events of its own (`recording_ready`, `recording_failed`,
/// `recording_hook_finished`) go to `events`.
public protocol RecordingBackend: Sendable {
    /// A recorder, not started, of recording `id` of `room` (of one `participant` in a conference
    /// room), into `directory`. `onError` (writing failed, once) and `onDropped` (packets lost to
    /// a full queue, with the total) are called on the recorder's thread.
    /// - Precondition: `id`, `room` and `participant` pass `isValidID` (they become file names).
    func makeRecorder(id: String, room: String, directory: String, participant: String?, participants: [String]?,
                      events: EventBus,
                      onError: @escaping @Sendable (String) -> Void,
                      onDropped: @escaping @Sendable (UInt64) -> Void) throws(ControlError) -> any RecorderControl
    /// Lists the recordings in `directory` that a dead process left unfinished, now (before any
    /// recording of this process starts), and builds their playable files in the returned task.
    func recoverUnfinished(in directory: String, events: EventBus) -> Task<Void, Never>
}
