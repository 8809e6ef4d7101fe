//! The VM's audit trail: one hash chain, written to the proxy log and/or
//! delivered in batches to an OpenTelemetry Collector.
//!
//! Delivery to the collector goes through `proxy_http_call` from the root
//! context only (on tick): the SDK routes a call's response to the context
//! that made it, and an HTTP context may be gone by then. One batch is in
//! flight at a time and leaves the buffer only when the collector accepted
//! it, so events arrive in chain order and a collector outage costs
//! nothing until the buffer is full. Past that, new events are dropped —
//! counted (`aimsgate.audit.dropped`), logged, and declared by sequence
//! number in the next checkpoint, so a verifier tells a counted drop from
//! a deletion.
//!
//! With a checkpoint key the chain's own events are signed; with a
//! timestamp authority the chains' heads are anchored (see
//! [`aimsgate_engine::audit::Anchor`]): at each interval one worker wins
//! the interval's slot in shared data, asks the TSA, also from the root
//! context, and writes the answer in a checkpoint at once.

use std::collections::VecDeque;
use std::time::Duration;

use aimsgate_engine::audit::{self, Anchor, AuditEvent, Witness, names};
use base64::Engine as _;
use serde_json::json;

use crate::abi::{self, Buffer, Level, Map};
use crate::config::{AnchorOptions, AuditOptions, CollectorOptions};
use crate::metrics::Metrics;

/// `name/version` of this filter, in every event.
pub const RUNTIME: &str = concat!("aimsgate-filter/", env!("CARGO_PKG_VERSION"));

/// PluginState-data key where each chain publishes its head at checkpoints.
const HEADS_KEY: &str = "aimsgate/audit/heads";
/// Shared-data key holding the last anchor slot (`now / interval`) a
/// worker claimed: the worker that moves it forward anchors that interval.
const ANCHOR_SLOT_KEY: &str = "aimsgate/audit/anchor-slot";
/// Largest TSA answer read (a token without certificates is under 2 KiB).
const MAX_ANCHOR_ANSWER: usize = 16 * 1024;
/// Heads kept in shared data (most recent first).
const MAX_HEADS: usize = 64;
/// Longest wait between retries of a failing collector.
const MAX_BACKOFF_MS: u64 = 30_000;

/// An event waiting for the collector.
#[derive(Debug)]
struct Pending {
    /// Its sequence number in the chain.
    seq: u64,
    /// The OTLP log record, rendered.
    record: String,
}

/// A batch the collector has not answered yet.
#[derive(Debug)]
struct InFlight {
    token: u32,
    events: usize,
}

/// The audit trail of one plugin in one VM.
#[derive(Debug)]
pub struct Trail {
    /// The chain and its drop record.
    core: audit::Trail,
    /// Events waiting for the collector, oldest first.
    buffer: VecDeque<Pending>,
    buffered_bytes: usize,
    in_flight: Option<InFlight>,
    /// When the next delivery may start (ns), after a failure.
    retry_at: u64,
    backoff_ms: u64,
    /// Whether the collector is failing (one log line per outage).
    failing: bool,
    /// Whether the buffer is overflowing (one log line per episode).
    overflowing: u64,
    last_checkpoint: u64,
    /// Longest log line an event may take; longer ones go out in parts
    /// (`None`: whole). Set on ngx_wasm_module, whose lines nginx cuts.
    pub(crate) max_log_line: Option<usize>,
    /// Anchoring state.
    anchoring: Anchoring,
}

/// An anchor request the TSA has not answered yet.
#[derive(Debug)]
struct InFlightAnchor {
    token: u32,
    heads: Vec<Witness>,
    /// When to give up on it (ns): a call the proxy never answers must not
    /// stop anchoring for good.
    deadline: u64,
}

/// Where this worker is with anchoring.
#[derive(Debug, Default)]
struct Anchoring {
    /// The call in flight and the heads it timestamps.
    in_flight: Option<InFlightAnchor>,
    /// The slot (`now / interval`) last looked at.
    slot: u64,
    /// Whether the TSA is failing (one log line per outage).
    failing: bool,
}

/// Bytes of event text per log line on nginx: `NGX_MAX_ERROR_STR` is 2,048
/// for the whole line, which also holds nginx's time, level, pid and
/// connection prefix, ngx_wasm_module's filter prefix and the part header.
pub const NGX_LOG_TEXT: usize = 1_600;

impl Trail {
    /// A new chain, started with its start event.
    pub fn start(options: &AuditOptions, metrics: &Metrics, now: u64, context_id: u32) -> Trail {
        let random = abi::random_bytes::<8>();
        // Random bits from the host; the clock and context id keep chains
        // apart even on a host whose random_get returns nothing.
        let mut id = u64::from_le_bytes(random) ^ now.rotate_left(17) ^ u64::from(context_id);
        if id == 0 {
            id = now | 1;
        }
        let mut trail = Trail {
            core: audit::Trail::new(format!("{id:016x}"), RUNTIME),
            buffer: VecDeque::new(),
            buffered_bytes: 0,
            in_flight: None,
            retry_at: 0,
            backoff_ms: 0,
            failing: false,
            overflowing: 0,
            last_checkpoint: now,
            max_log_line: None,
            anchoring: Anchoring::default(),
        };
        // A key that does not load refused the configuration already
        // (`AuditOptions::check`).
        trail.core.set_signer(options.signer().ok().flatten());
        let start = trail
            .core
            .start_event(now, "audit chain started with the VM");
        trail.emit(options, metrics, start);
        trail
    }

    /// The chain id.
    pub fn chain_id(&self) -> &str {
        self.core.chain().id()
    }

    /// Counts a request for the checkpoints.
    pub fn count_request(&mut self, recorded: bool) {
        self.core.count_request(recorded);
    }

    /// Signs the chain's own events with the key `options` name from now
    /// on (a new configuration may add, change or remove it).
    pub fn configure(&mut self, options: &AuditOptions) {
        self.core.set_signer(options.signer().ok().flatten());
    }

    /// Seals `event` into the chain and sends it where `options` say.
    /// Returns false when the collector buffer had to drop it.
    pub fn emit(&mut self, options: &AuditOptions, metrics: &Metrics, event: AuditEvent) -> bool {
        // What the OTLP record repeats as attributes, taken before sealing
        // (the line need not be parsed back).
        let head = options.collector.as_ref().map(|_| OtlpHead::of(&event));
        let sealed = self.core.seal(event);
        metrics.count("aimsgate.audit.events");
        if options.log {
            match self.max_log_line {
                Some(max) => {
                    for part in audit::split(self.chain_id(), &sealed.line, max) {
                        abi::log(Level::Info, &part);
                    }
                }
                None => abi::log(Level::Info, &sealed.line),
            }
        }
        let (Some(collector), Some(head)) = (&options.collector, head) else {
            return true;
        };
        let record = head.record(self.chain_id(), sealed.seq, &sealed.line);
        let full = self.buffer.len() >= collector.buffer_max_events
            || self.buffered_bytes + record.len() > collector.buffer_max_bytes;
        if full {
            self.drop_event(sealed.seq, metrics);
            return false;
        }
        if self.overflowing > 0 {
            abi::log(
                Level::Warn,
                &format!(
                    "aimsgate: audit buffer has room again after dropping {} event(s) of chain {}",
                    self.overflowing,
                    self.chain_id()
                ),
            );
            self.overflowing = 0;
        }
        self.buffered_bytes += record.len();
        self.buffer.push_back(Pending {
            seq: sealed.seq,
            record,
        });
        true
    }

    fn drop_event(&mut self, seq: u64, metrics: &Metrics) {
        metrics.count("aimsgate.audit.dropped");
        if self.overflowing == 0 {
            abi::log(
                Level::Error,
                &format!(
                    "aimsgate: audit buffer full (collector unreachable?): dropping events of chain {} from seq {seq}; each drop is counted in aimsgate.audit.dropped and declared in the next checkpoint",
                    self.chain_id()
                ),
            );
        }
        self.overflowing += 1;
        self.core.drop_seq(seq);
    }

    /// Periodic work: a checkpoint when one is due, and delivery.
    /// `shares_data`: the proxy's shared data may be used (for witnesses).
    pub fn tick(&mut self, options: &AuditOptions, metrics: &Metrics, now: u64, shares_data: bool) {
        let interval = options.checkpoint_interval_ms.saturating_mul(1_000_000);
        if interval > 0 && now.saturating_sub(self.last_checkpoint) >= interval {
            self.checkpoint(options, metrics, now, options.witness && shares_data, None);
        }
        if let Some(anchor) = &options.anchor {
            // Heads are in shared data only where chains publish them
            // (witnesses); without them each worker anchors its own chain.
            self.request_anchor(anchor, metrics, now, options.witness && shares_data);
        }
        if let Some(collector) = &options.collector {
            self.deliver(collector, metrics, now);
        }
    }

    /// Asks the TSA to timestamp every chain's head, when this worker
    /// wins the current interval (or works alone).
    fn request_anchor(
        &mut self,
        anchor: &AnchorOptions,
        metrics: &Metrics,
        now: u64,
        shares_data: bool,
    ) {
        if self
            .anchoring
            .in_flight
            .take_if(|call| now >= call.deadline)
            .is_some()
        {
            self.anchor_failed(anchor, metrics, "no answer within the call's timeout");
        }
        let slot = now / anchor.interval_ms.max(1).saturating_mul(1_000_000);
        if self.anchoring.in_flight.is_some() || slot <= self.anchoring.slot {
            return;
        }
        self.anchoring.slot = slot;
        if shares_data && !claim_slot(anchor.interval_ms, slot) {
            return;
        }
        // The heads other chains published at their last checkpoint, and
        // this chain's head as it is now.
        let own = self.chain_id().to_owned();
        let mut heads: Vec<Witness> = if shares_data {
            read_heads()
        } else {
            Vec::new()
        };
        heads.retain(|h| h.chain != own);
        let chain = self.core.chain();
        heads.insert(
            0,
            Witness {
                chain: own,
                seq: chain.next_seq().saturating_sub(1),
                digest: chain.head().to_owned(),
                time_unix_nano: now,
            },
        );
        let body = audit::timestamp_request(&audit::imprint(&heads));
        let mut headers: Vec<(&str, &str)> = vec![
            (":method", "POST"),
            (":path", anchor.path.as_str()),
            (":authority", anchor.authority.as_str()),
            ("content-type", "application/timestamp-query"),
        ];
        headers.extend(anchor.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        // See `deliver` on the SDK wrapper.
        match proxy_wasm::hostcalls::dispatch_http_call(
            &anchor.cluster,
            headers,
            Some(&body),
            Vec::new(),
            Duration::from_millis(anchor.timeout_ms),
        ) {
            Ok(token) => {
                // The proxy's own timeout, and a second more.
                let wait = anchor.timeout_ms.saturating_add(1_000).saturating_mul(1_000_000);
                self.anchoring.in_flight = Some(InFlightAnchor {
                    token,
                    heads,
                    deadline: now.saturating_add(wait),
                });
            }
            Err(status) => self.anchor_failed(
                anchor,
                metrics,
                &format!(
                    "the proxy refused the call to cluster `{}` (status {}; is the cluster defined?)",
                    anchor.cluster, status as u32
                ),
            ),
        }
    }

    /// The TSA's answer to `token`, if it is one: written in a checkpoint
    /// at once.
    fn on_anchor(
        &mut self,
        options: &AuditOptions,
        metrics: &Metrics,
        now: u64,
        token: u32,
        body_size: usize,
        shares_data: bool,
    ) -> bool {
        let Some(InFlightAnchor { heads, .. }) =
            self.anchoring.in_flight.take_if(|call| call.token == token)
        else {
            return false;
        };
        let Some(anchor) = &options.anchor else {
            // Anchoring was switched off meanwhile.
            return true;
        };
        let status = abi::header(Map::HttpCallResponseHeaders, ":status");
        let answer = match status.as_deref() {
            Some("200") => abi::buffer(
                Buffer::HttpCallResponseBody,
                0,
                body_size.min(MAX_ANCHOR_ANSWER),
            )
            .map_err(|status| format!("its answer is unreadable (status {})", status.0)),
            Some(status) => Err(format!("the authority answered {status}")),
            None => Err("no response (connection failed or timed out)".to_owned()),
        };
        match answer {
            Ok(answer) if body_size <= MAX_ANCHOR_ANSWER && audit::granted(&answer) => {
                metrics.count("aimsgate.audit.anchors");
                if std::mem::take(&mut self.anchoring.failing) {
                    abi::log(
                        Level::Info,
                        &format!(
                            "aimsgate: timestamp authority `{}` reachable again",
                            anchor.cluster
                        ),
                    );
                }
                let anchored = Anchor {
                    interval_ms: anchor.interval_ms,
                    heads,
                    token: base64::engine::general_purpose::STANDARD.encode(answer),
                };
                self.checkpoint(
                    options,
                    metrics,
                    now,
                    options.witness && shares_data,
                    Some(anchored),
                );
            }
            Ok(_) if body_size > MAX_ANCHOR_ANSWER => self.anchor_failed(
                anchor,
                metrics,
                &format!("its answer is over {MAX_ANCHOR_ANSWER} bytes"),
            ),
            Ok(_) => self.anchor_failed(anchor, metrics, "its answer grants no timestamp"),
            Err(why) => self.anchor_failed(anchor, metrics, &why),
        }
        true
    }

    fn anchor_failed(&mut self, anchor: &AnchorOptions, metrics: &Metrics, why: &str) {
        metrics.count("aimsgate.audit.anchor_failures");
        if !std::mem::replace(&mut self.anchoring.failing, true) {
            abi::log(
                Level::Warn,
                &format!(
                    "aimsgate: anchoring audit chains with `{}` failed: {why}; trying again next interval (events stay unanchored meanwhile)",
                    anchor.cluster
                ),
            );
        }
    }

    /// Seals a checkpoint (own head, drops, the heads other chains
    /// published, an anchor that arrived) and publishes this chain's head.
    /// `witness`: read and publish heads in shared data.
    fn checkpoint(
        &mut self,
        options: &AuditOptions,
        metrics: &Metrics,
        now: u64,
        witness: bool,
        anchor: Option<Anchor>,
    ) {
        self.last_checkpoint = now;
        let heads = if witness { read_heads() } else { Vec::new() };
        let witnessed = heads
            .iter()
            .filter(|h| h.chain != self.chain_id())
            .cloned()
            .collect();
        let seq = self.core.chain().next_seq();
        self.emit_declaring(options, metrics, names::CHECKPOINT, now, witnessed, anchor);
        if witness {
            let own = Witness {
                chain: self.chain_id().to_owned(),
                seq,
                digest: self.core.chain().head().to_owned(),
                time_unix_nano: now,
            };
            publish_head(own);
        }
    }

    /// Emits a chain event declaring the drops since the last one that got
    /// through. If this one is dropped too, the drops stay to be declared
    /// by the next: the collector's copy always learns of every drop.
    fn emit_declaring(
        &mut self,
        options: &AuditOptions,
        metrics: &Metrics,
        name: &str,
        now: u64,
        witnessed: Vec<Witness>,
        anchor: Option<Anchor>,
    ) {
        let (event, declared) =
            self.core
                .declaring_event(name, now, options.checkpoint_interval_ms, witnessed, anchor);
        if self.emit(options, metrics, event) {
            self.core.declared(&declared);
        }
    }

    /// Sends the oldest batch if none is in flight and no retry is pending.
    fn deliver(&mut self, collector: &CollectorOptions, metrics: &Metrics, now: u64) {
        if self.in_flight.is_some() || self.buffer.is_empty() || now < self.retry_at {
            return;
        }
        let events = self.buffer.len().min(collector.batch_max_events.max(1));
        let records: Vec<&str> = self
            .buffer
            .iter()
            .take(events)
            .map(|p| p.record.as_str())
            .collect();
        let body = otlp_body(&records);
        let mut headers: Vec<(&str, &str)> = vec![
            (":method", "POST"),
            (":path", collector.path.as_str()),
            (":authority", collector.authority.as_str()),
            ("content-type", "application/json"),
        ];
        headers.extend(
            collector
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        // The SDK's wrapper registers the token so the response comes back
        // to this root context. It panics only on statuses other than OK,
        // BAD_ARGUMENT and INTERNAL_FAILURE, which is all Envoy's and
        // ngx_wasm_module's `proxy_http_call` return.
        match proxy_wasm::hostcalls::dispatch_http_call(
            &collector.cluster,
            headers,
            Some(&body),
            Vec::new(),
            Duration::from_millis(collector.timeout_ms),
        ) {
            Ok(token) => self.in_flight = Some(InFlight { token, events }),
            Err(status) => {
                let why = format!(
                    "the proxy refused the call to cluster `{}` (status {}; is the cluster defined?)",
                    collector.cluster, status as u32
                );
                self.failed(collector, metrics, now, &why);
            }
        }
    }

    /// The answer to a call of the trail's: the TSA's to an anchor, or the
    /// collector's to a batch.
    pub fn on_response(
        &mut self,
        options: &AuditOptions,
        metrics: &Metrics,
        now: u64,
        token: u32,
        body_size: usize,
        shares_data: bool,
    ) {
        if self.on_anchor(options, metrics, now, token, body_size, shares_data) {
            return;
        }
        let collector = options.collector.as_ref();
        let Some(in_flight) = self.in_flight.take_if(|f| f.token == token) else {
            return;
        };
        let status = abi::header(Map::HttpCallResponseHeaders, ":status")
            .and_then(|s| s.parse::<u16>().ok());
        let Some(collector) = collector else {
            // Delivery was switched off meanwhile: keep the events.
            return;
        };
        match status {
            Some(200..=299) => {
                let _ = self.settle(in_flight.events);
                metrics.count_by("aimsgate.audit.delivered", in_flight.events);
                if std::mem::take(&mut self.failing) {
                    abi::log(
                        Level::Info,
                        &format!(
                            "aimsgate: audit collector `{}` reachable again",
                            collector.cluster
                        ),
                    );
                }
                self.backoff_ms = 0;
                if let Some(rejected) = partially_rejected(body_size) {
                    metrics.count_by("aimsgate.audit.rejected", rejected);
                    abi::log(
                        Level::Error,
                        &format!(
                            "aimsgate: audit collector accepted the batch but rejected {rejected} record(s)"
                        ),
                    );
                }
            }
            // OTLP/HTTP: only 429, 502, 503 and 504 are retryable; a
            // collector that rejects a payload will reject it again.
            Some(status) if ![429, 502, 503, 504].contains(&status) => {
                self.reject(in_flight.events, metrics, collector, status);
            }
            Some(status) => {
                let why = format!("the collector answered {status}");
                self.failed(collector, metrics, now, &why);
            }
            None => {
                let why = "no response (connection failed or timed out)";
                self.failed(collector, metrics, now, why);
            }
        }
        // Keep draining while the collector keeps up.
        self.deliver(collector, metrics, now);
    }

    /// The first `events` buffered events left the buffer; returns their
    /// sequence numbers.
    fn settle(&mut self, events: usize) -> Vec<u64> {
        let settled: Vec<Pending> = self.buffer.drain(..events.min(self.buffer.len())).collect();
        settled
            .into_iter()
            .map(|pending| {
                self.buffered_bytes = self.buffered_bytes.saturating_sub(pending.record.len());
                pending.seq
            })
            .collect()
    }

    fn reject(
        &mut self,
        events: usize,
        metrics: &Metrics,
        collector: &CollectorOptions,
        status: u16,
    ) {
        // Counted, logged and declared like a buffer drop: the proxy log
        // (when on) still holds them.
        for seq in self.settle(events) {
            self.core.drop_seq(seq);
        }
        metrics.count_by("aimsgate.audit.rejected", events);
        abi::log(
            Level::Error,
            &format!(
                "aimsgate: audit collector `{}` rejected a batch of {events} event(s) with status {status}; not retried (OTLP: not retryable)",
                collector.cluster
            ),
        );
    }

    fn failed(&mut self, collector: &CollectorOptions, metrics: &Metrics, now: u64, why: &str) {
        metrics.count("aimsgate.audit.delivery_failures");
        self.backoff_ms = if self.backoff_ms == 0 {
            collector.flush_interval_ms.max(1)
        } else {
            self.backoff_ms.saturating_mul(2).min(MAX_BACKOFF_MS)
        };
        self.retry_at = now.saturating_add(self.backoff_ms.saturating_mul(1_000_000));
        if !std::mem::replace(&mut self.failing, true) {
            abi::log(
                Level::Warn,
                &format!(
                    "aimsgate: audit delivery to `{}` failed: {why}; {} event(s) buffered, retrying with backoff",
                    collector.cluster,
                    self.buffer.len()
                ),
            );
        }
    }

    /// Ends the chain (the plugin is being removed) and makes a last
    /// attempt to deliver.
    pub fn end(&mut self, options: &AuditOptions, metrics: &Metrics, now: u64) {
        self.emit_declaring(options, metrics, names::CHAIN_END, now, Vec::new(), None);
        if let Some(collector) = &options.collector {
            self.retry_at = 0;
            self.deliver(collector, metrics, now);
        }
    }

    /// Events waiting for the collector.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }
}

/// The members of an event an OTLP record repeats as attributes, so the
/// collector can route and filter on them.
struct OtlpHead {
    name: String,
    time: u64,
    outcome: Option<String>,
    request_id: Option<String>,
    model: Option<String>,
}

impl OtlpHead {
    fn of(event: &AuditEvent) -> OtlpHead {
        OtlpHead {
            name: event.name.clone(),
            time: event.time_unix_nano,
            outcome: event.outcome.clone(),
            request_id: event.request_id.clone(),
            model: event.model.clone(),
        }
    }

    /// One OTLP/JSON log record: the sealed line is the body, verbatim (the
    /// digest covers its bytes).
    fn record(self, chain: &str, seq: u64, line: &str) -> String {
        let string = |key: &str, value: &str| json!({"key": key, "value": {"stringValue": value}});
        let mut attributes = vec![
            string("aimsgate.chain.id", chain),
            json!({"key": "aimsgate.chain.seq", "value": {"intValue": seq.to_string()}}),
        ];
        for (key, value) in [
            ("aimsgate.outcome", &self.outcome),
            ("aimsgate.request.id", &self.request_id),
            ("gen_ai.request.model", &self.model),
        ] {
            if let Some(value) = value {
                attributes.push(string(key, value));
            }
        }
        json!({
            "timeUnixNano": self.time.to_string(),
            "observedTimeUnixNano": self.time.to_string(),
            "severityNumber": 9,
            "severityText": "INFO",
            "eventName": self.name,
            "body": {"stringValue": line},
            "attributes": attributes,
        })
        .to_string()
    }
}

/// An OTLP/HTTP JSON `ExportLogsServiceRequest` around rendered records.
fn otlp_body(records: &[&str]) -> Vec<u8> {
    let mut body = String::with_capacity(records.iter().map(|r| r.len() + 1).sum::<usize>() + 256);
    body.push_str(r#"{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"aimsgate"}},{"key":"service.version","value":{"stringValue":""#);
    body.push_str(env!("CARGO_PKG_VERSION"));
    body.push_str(
        r#""}}]},"scopeLogs":[{"scope":{"name":"aimsgate.audit","version":"1"},"logRecords":["#,
    );
    for (i, record) in records.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(record);
    }
    body.push_str("]}]}]}");
    body.into_bytes()
}

/// Rejected records of an OTLP partial success, if any.
fn partially_rejected(body_size: usize) -> Option<usize> {
    if body_size == 0 {
        return None;
    }
    let body = abi::buffer(Buffer::HttpCallResponseBody, 0, body_size.min(64 * 1024)).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&body).ok()?;
    let rejected = value["partialSuccess"]["rejectedLogRecords"]
        .as_str()
        .and_then(|s| s.parse::<usize>().ok())
        .or_else(|| {
            value["partialSuccess"]["rejectedLogRecords"]
                .as_u64()
                .map(|n| n as usize)
        })?;
    (rejected > 0).then_some(rejected)
}

/// Moves the shared anchor slot forward to `slot` of `interval_ms`
/// (compare-and-swap):
/// true when this worker did, and so anchors the interval. Shared data
/// that cannot be read or written leaves the worker to anchor alone.
fn claim_slot(interval_ms: u64, slot: u64) -> bool {
    for _ in 0..4 {
        // `interval:slot`: a slot counted in another interval (the option
        // changed, or another plugin of the VM) or far ahead (the clock
        // stepped back) is stale, else anchoring would stop for good.
        let (claimed, cas) = match abi::shared_data(ANCHOR_SLOT_KEY) {
            Ok(Some((bytes, cas))) => (
                std::str::from_utf8(&bytes).ok().and_then(|s| {
                    let (interval, slot) = s.split_once(':')?;
                    Some((interval.parse::<u64>().ok()?, slot.parse::<u64>().ok()?))
                }),
                cas,
            ),
            Ok(None) => (None, 0),
            Err(_) => return true,
        };
        let taken = claimed.is_some_and(|(interval, claimed)| {
            interval == interval_ms && claimed >= slot && claimed <= slot.saturating_add(1)
        });
        if taken {
            return false;
        }
        let value = format!("{interval_ms}:{slot}");
        match abi::set_shared_data(ANCHOR_SLOT_KEY, value.as_bytes(), cas) {
            Ok(()) => return true,
            Err(abi::Status(abi::CAS_MISMATCH)) => continue,
            Err(_) => return true,
        }
    }
    false
}

fn read_heads() -> Vec<Witness> {
    match abi::shared_data(HEADS_KEY) {
        Ok(Some((bytes, _))) => serde_json::from_slice(&bytes).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Puts `own` first in the shared heads list (compare-and-swap, a few
/// tries: a lost race only delays the witness to the next checkpoint).
fn publish_head(own: Witness) {
    for _ in 0..4 {
        let (mut heads, cas) = match abi::shared_data(HEADS_KEY) {
            Ok(Some((bytes, cas))) => (
                serde_json::from_slice::<Vec<Witness>>(&bytes).unwrap_or_default(),
                cas,
            ),
            Ok(None) => (Vec::new(), 0),
            Err(_) => return,
        };
        heads.retain(|h| h.chain != own.chain);
        heads.insert(0, own.clone());
        heads.truncate(MAX_HEADS);
        let Ok(bytes) = serde_json::to_vec(&heads) else {
            return;
        };
        match abi::set_shared_data(HEADS_KEY, &bytes, cas) {
            Ok(()) => return,
            Err(abi::Status(abi::CAS_MISMATCH)) => continue,
            Err(_) => return,
        }
    }
}
