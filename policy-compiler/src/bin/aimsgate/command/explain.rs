//! `aimsgate explain`: show what a policy decides, rule by rule and hit by
//! hit, for a text (as a prompt or a completion), a recorded exchange or a
//! bare request body.

use std::path::{Path, PathBuf};

use aimsgate_compiler::scan;
use aimsgate_engine::Engine;
use aimsgate_engine::codec::Api;
use aimsgate_engine::recording::Recording;
use aimsgate_engine::ruleset::Phase;
use anyhow::{Context, Result, anyhow};
use clap::ValueEnum;

use crate::common::{compiled, engine_of, parse_api, read};

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// Policy file.
    policy: PathBuf,
    /// Text to inspect as a user prompt.
    #[arg(long, conflicts_with = "request")]
    text: Option<String>,
    /// Inspect the text as a model completion instead.
    #[arg(long, requires = "text")]
    response: bool,
    /// A recorded exchange (or bare request body) to inspect.
    #[arg(long)]
    request: Option<PathBuf>,
    /// Override the API of the body.
    #[arg(long, value_parser = parse_api)]
    api: Option<Api>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutFormat::Human)]
    format: OutFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutFormat {
    Human,
    Json,
}

pub fn run(args: ExplainArgs) -> Result<()> {
    let ExplainArgs {
        policy: path,
        text,
        response,
        request,
        api,
        format,
    } = args;
    let compiled = compiled(&path)?;
    let engine = engine_of(&compiled)?;
    match (text, request) {
        (Some(text), _) => explain_text(&engine, &text, response, format),
        (None, Some(request)) => explain_request(&engine, &request, api, format),
        (None, None) => Err(anyhow!("give --text or --request")),
    }
}

fn explain_text(engine: &Engine, text: &str, response: bool, format: OutFormat) -> Result<()> {
    let phase = if response {
        Phase::Response
    } else {
        Phase::Request
    };
    let inspection = engine.inspect_text(text, phase);
    match format {
        OutFormat::Json => {
            let mut out = scan::decision_json(engine, &inspection.decision);
            out["redacted"] = serde_json::Value::String(inspection.redacted.clone());
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        OutFormat::Human => {
            print_header(engine);
            print_decision(engine, phase.name(), &inspection.decision);
            println!("\nredacted text:\n  {}", inspection.redacted);
        }
    }
    Ok(())
}

fn explain_request(
    engine: &Engine,
    path: &Path,
    api: Option<Api>,
    format: OutFormat,
) -> Result<()> {
    let text = read(path)?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    if value.get("request").is_none() {
        // A bare request body: no host or path, every rule applies.
        return explain_body(engine, &text, api, format);
    }
    let recording = Recording::from_json(text.as_bytes())
        .with_context(|| format!("{} is not a valid exchange", path.display()))?;
    if matches!(format, OutFormat::Json) {
        println!(
            "{}",
            serde_json::to_string_pretty(&scan::scan_exchange(engine, &recording))?
        );
        return Ok(());
    }
    print_header(engine);
    let decided = scan::decide_exchange(engine, &recording);
    let route_name = decided
        .route
        .and_then(|r| engine.ruleset().routes.get(r as usize))
        .map_or("(none)".to_owned(), |r| r.id.clone());
    println!(
        "request:  {} {}{}",
        recording.request.method, recording.request.host, recording.request.path
    );
    println!("route:    {route_name}");
    println!("api:      {}", decided.api.map_or("unknown", |a| a.name()));
    if decided.request.is_none() && decided.response.is_none() {
        println!(
            "request decision: PASS (no route governs this host: forwarded untouched, not recorded)"
        );
    }
    for (phase, record, body) in [
        ("request", &decided.request, &decided.request_body),
        ("response", &decided.response, &decided.response_body),
    ] {
        let Some(record) = record else {
            continue;
        };
        if phase == "response" {
            println!();
        }
        let event = &record.event;
        if event.inspected == Some(true) {
            let tokens = event.input_tokens.or(event.output_tokens).unwrap_or(0);
            println!(
                "model:    {}   tokens (estimated): {tokens}",
                event.model.as_deref().unwrap_or("-"),
            );
        }
        print_decision(engine, phase, &record.decision);
        if let (Some(code), Some(message)) = (&event.code, &event.message) {
            println!("  {code}: {message}");
        }
        if let Some(body) = body {
            println!(
                "\nrewritten {phase} body:\n  {}",
                String::from_utf8_lossy(body)
            );
        }
    }
    Ok(())
}

/// A bare request body, decided with every rule (no route).
fn explain_body(engine: &Engine, text: &str, api: Option<Api>, format: OutFormat) -> Result<()> {
    let inspection = scan::inspect_bare_request(engine, text.as_bytes(), api);
    if matches!(format, OutFormat::Json) {
        let out = serde_json::json!({
            "api": inspection.api.map(|a| a.name()),
            "request": scan::decision_json(engine, &inspection.decision),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    print_header(engine);
    println!("request:  a bare body (no route: every rule applies)");
    println!(
        "api:      {}",
        inspection.api.map_or("unknown", |a| a.name())
    );
    if let Some(view) = &inspection.view {
        println!(
            "model:    {}   segments: {}   skipped media: {}",
            view.model.as_deref().unwrap_or("-"),
            view.segments.len(),
            view.skipped_media
        );
    }
    print_decision(engine, "request", &inspection.decision);
    if let Some(body) = &inspection.body {
        println!(
            "\nrewritten request body:\n  {}",
            String::from_utf8_lossy(body)
        );
    }
    Ok(())
}

fn print_header(engine: &Engine) {
    let p = &engine.ruleset().policy;
    println!(
        "policy:   {} {} (digest {})",
        p.name,
        p.version,
        p.digest.short()
    );
}

fn print_decision(engine: &Engine, phase: &str, decision: &aimsgate_engine::decision::Decision) {
    let rs = engine.ruleset();
    println!(
        "{phase} decision: {}",
        decision.outcome.name().to_uppercase()
    );
    if let Some(block) = &decision.block {
        println!("  answer {}: {}", block.status, block.message);
    }
    for fired in &decision.fired {
        let Some(rule) = rs.rules.get(fired.rule as usize) else {
            continue;
        };
        println!(
            "  rule {} [{} {}{}; severity {}] controls: {}",
            rule.id,
            fired.mode.name(),
            fired.action,
            if fired.applied { "" } else { ", not applied" },
            fired.severity.name(),
            rule.controls.join(", ")
        );
        for &h in &fired.hits {
            if let Some(hit) = decision.hits.get(h as usize) {
                let detector = rs
                    .detectors
                    .get(hit.detector as usize)
                    .map_or("?", |d| d.id.as_str());
                // A match in decoded text reads `encoded:base64 → detector`.
                let via = hit
                    .encoding
                    .map(|e| format!("{} \u{2192} ", e.label()))
                    .unwrap_or_default();
                let signal = scan::phrase_signal(rs, hit)
                    .map(|s| format!(" [{} +{}]", s.id, s.weight))
                    .unwrap_or_default();
                println!(
                    "    - {via}{detector}{signal} in message {} ({}) bytes {}..{}",
                    hit.message_index,
                    hit.role.name(),
                    hit.span.start,
                    hit.span.end
                );
            }
        }
    }
    // Phrase signals no fired rule used: below its threshold, they are
    // what a stricter `min_score` or another signal would act on.
    let used: std::collections::HashSet<u32> = decision
        .fired
        .iter()
        .flat_map(|f| f.hits.iter().copied())
        .collect();
    let unused: Vec<String> = (0u32..)
        .zip(&decision.hits)
        .filter(|(i, _)| !used.contains(i))
        .filter_map(|(_, hit)| scan::phrase_signal(rs, hit).map(|s| (hit, s)))
        .map(|(hit, s)| format!("{} +{} (message {})", s.id, s.weight, hit.message_index))
        .collect();
    if !unused.is_empty() {
        println!(
            "  phrase signals below every threshold: {}",
            unused.join(", ")
        );
    }
    if let Some(code) = &decision.code {
        println!("  code {code}");
    }
    for (name, value) in &decision.headers {
        println!("  header {name}: {value}");
    }
    if let Some(cap) = decision.cap_max_tokens {
        println!("  max tokens capped at {cap}");
    }
}
