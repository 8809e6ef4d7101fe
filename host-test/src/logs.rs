use serde::Serialize;

/// A proxy-wasm log level (`proxy_log_level_t`), also Envoy's spdlog level order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// 0
    Trace,
    /// 1
    Debug,
    /// 2
    #[default]
    Info,
    /// 3
    Warn,
    /// 4
    Error,
    /// 5
    Critical,
}

impl LogLevel {
    pub(crate) fn from_raw(raw: i32) -> Option<Self> {
        Some(match raw {
            0 => Self::Trace,
            1 => Self::Debug,
            2 => Self::Info,
            3 => Self::Warn,
            4 => Self::Error,
            5 => Self::Critical,
            _ => return None,
        })
    }

    pub(crate) fn raw(self) -> i32 {
        self as i32
    }
}

/// Where a log line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogSource {
    /// `proxy_log`.
    ProxyLog,
    /// WASI `fd_write` to stdout (Envoy logs it at info).
    Stdout,
    /// WASI `fd_write` to stderr (Envoy logs it at error), e.g. a Rust panic message.
    Stderr,
    /// The host's own line about the filter (ngx_wasm_module's refusal of
    /// a second response pause).
    Host,
}

/// One line the plugin logged. Every line is kept, whatever level
/// `proxy_get_log_level` reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogRecord {
    /// Its level.
    pub level: LogLevel,
    /// The text (invalid UTF-8 replaced).
    pub message: String,
    /// The context the call was made in (the effective one, after
    /// `proxy_set_effective_context`).
    pub context_id: u32,
    /// Which call produced it.
    pub source: LogSource,
}
