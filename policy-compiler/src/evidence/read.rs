//! Finding audit events in log files.

use std::fmt;
use std::path::Path;

use aimsgate_engine::audit::{self, AuditEvent, OpenError};
use anyhow::{Context, Result};

/// Where an event was found.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// The file, when several are read together.
    pub file: Option<String>,
    /// 1-based line of the file.
    pub line: usize,
    /// For OTLP export lines: 1-based index of the log record in the line.
    pub record: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}:")?;
        }
        match self.record {
            Some(record) => write!(f, "line {} (record {record})", self.line),
            None => write!(f, "line {}", self.line),
        }
    }
}

/// One event as found.
#[derive(Debug, Clone)]
pub struct Record {
    /// Where.
    pub location: Location,
    /// The event (parsed; its digest member is `event.digest`).
    pub event: AuditEvent,
    /// Whether its bytes hash to the digest it claims.
    pub intact: bool,
    /// For a signed event: its signature (`<key id>:<signature>`) and the
    /// bytes it signs.
    pub signed: Option<(String, String)>,
}

/// What a file held.
#[derive(Debug, Default)]
pub struct Events {
    /// Events in file order.
    pub records: Vec<Record>,
    /// Lines that looked like events but could not be read, and why.
    pub unreadable: Vec<(Location, String)>,
    /// Lines without events (other proxy logs), skipped.
    pub skipped: usize,
}

/// Reads every audit event in `path`.
pub fn read(path: &Path) -> Result<Events> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(read_str(&text))
}

/// Reads every audit event in `text`.
pub fn read_str(text: &str) -> Events {
    let mut events = Events::default();
    let mut joiner = audit::Joiner::default();
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let location = Location {
            line: line_no,
            ..Location::default()
        };
        // An event nginx's line limit made the filter split: read it at
        // its last part.
        let joined;
        let line = match joiner.feed(raw) {
            audit::Joined::Line(line) => line,
            audit::Joined::Pending => continue,
            audit::Joined::Event(event) => {
                joined = event;
                joined.as_str()
            }
            audit::Joined::Broken(why) => {
                events.unreadable.push((location, why));
                continue;
            }
        };
        let trimmed = line.trim_start();
        if trimmed.starts_with("{\"resourceLogs\"") {
            read_otlp(&mut events, line_no, trimmed);
            continue;
        }
        push(&mut events, location, line);
    }
    for chain in joiner.unfinished() {
        let location = Location {
            line: text.lines().count(),
            ..Location::default()
        };
        events.unreadable.push((
            location,
            format!("the last event of chain {chain} is missing its last part"),
        ));
    }
    events
}

fn push(events: &mut Events, location: Location, text: &str) {
    match audit::open(text) {
        Ok(opened) => match serde_json::from_str::<AuditEvent>(opened.json) {
            Ok(event) => events.records.push(Record {
                location,
                event,
                intact: opened.intact,
                signed: opened
                    .signature()
                    .map(|(signature, message)| (signature.to_owned(), message)),
            }),
            Err(err) => events
                .unreadable
                .push((location, format!("not a valid audit event: {err}"))),
        },
        Err(OpenError::NotAnEvent) => events.skipped += 1,
        Err(err) => events.unreadable.push((location, err.to_string())),
    }
}

/// An OTLP/HTTP JSON export: `resourceLogs[].scopeLogs[].logRecords[]`,
/// each event the record's `body.stringValue`.
fn read_otlp(events: &mut Events, line: usize, text: &str) {
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(err) => {
            let location = Location {
                line,
                ..Location::default()
            };
            events
                .unreadable
                .push((location, format!("not valid OTLP JSON: {err}")));
            return;
        }
    };
    let bodies = value["resourceLogs"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["scopeLogs"].as_array().into_iter().flatten())
        .flat_map(|s| s["logRecords"].as_array().into_iter().flatten())
        .map(|r| r["body"]["stringValue"].as_str());
    for (index, body) in bodies.enumerate() {
        let location = Location {
            line,
            record: Some(index + 1),
            file: None,
        };
        match body {
            Some(body) => push(events, location, body),
            None => events.skipped += 1,
        }
    }
}
