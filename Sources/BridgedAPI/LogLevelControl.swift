import Hummingbird
import Logging
import Synchronization

/// The process's log level, changed at run time by the admin (`PUT /v1/log-level`): every
/// logger's handler reads it here, so a change reaches the loggers already handed out.
final class LogLevelControl: Sendable {
    private let level: Mutex<Logger.Level>

    init(_ level: Logger.Level) { self.level = Mutex(level) }

    var current: Logger.Level {
        get { level.withLock { $0 } }
        set { level.withLock { $0 = newValue } }
    }

    /// Installs the handler (standard error, as swift-log's default) that follows the control.
    func bootstrap() {
        LoggingSystem.bootstrap { label in ControlledLogHandler(inner: StreamLogHandler.standardError(label: label), control: self) }
    }
}

/// A log handler whose level is the shared control's.
struct ControlledLogHandler: LogHandler {
    var inner: StreamLogHandler
    let control: LogLevelControl

    var logLevel: Logger.Level {
        get { control.current }
        set { control.current = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) { inner.log(event: event) }
}
