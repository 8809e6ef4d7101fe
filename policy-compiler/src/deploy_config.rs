//! Reading the plugin configuration back out of deployment manifests, so
//! the harness runs the filter with exactly what an Envoy bootstrap or an
//! Istio `WasmPlugin` would hand it: the shipped config is the tested config.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine as _;
use serde_json::Value;

use crate::policy::source;

/// What a proxy would give the plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginConfig {
    /// `name` (Envoy) or the WasmPlugin's name.
    pub name: String,
    /// `root_id` / `pluginName`.
    pub root_id: String,
    /// `vm_config.vm_id`.
    pub vm_id: String,
    /// The bytes `proxy_on_configure` reads.
    pub configuration: Vec<u8>,
    /// `failure_policy: FAIL_OPEN` (or the deprecated `fail_open: true`) /
    /// `failStrategy: FAIL_OPEN`.
    pub fail_open: bool,
    /// Clusters the bootstrap defines (`proxy_http_call` targets).
    pub clusters: Vec<String>,
    /// `vm_config.code.local.filename`, when local.
    pub filter: Option<String>,
}

fn load(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    source::parse(&text)
        .map(|doc| doc.value)
        .map_err(|d| anyhow!("{}: {}", path.display(), d.message))
}

/// The first `envoy.filters.http.wasm` filter of an Envoy bootstrap.
pub fn from_envoy(path: &Path) -> Result<PluginConfig> {
    let bootstrap = load(path)?;
    let filter = find_wasm_filter(&bootstrap).ok_or_else(|| {
        anyhow!(
            "{}: no envoy.filters.http.wasm filter with a `config`",
            path.display()
        )
    })?;
    let config = &filter["typed_config"]["config"];
    let configuration = configuration_bytes(&config["configuration"])
        .with_context(|| format!("{}: the wasm filter's `configuration`", path.display()))?;
    let fail_open = fails_open(config)
        .with_context(|| format!("{}: the wasm filter's failure behaviour", path.display()))?;
    let clusters = bootstrap["static_resources"]["clusters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect();
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    Ok(PluginConfig {
        name: text(&config["name"]),
        root_id: text(&config["root_id"]),
        vm_id: text(&config["vm_config"]["vm_id"]),
        configuration,
        fail_open,
        clusters,
        filter: config["vm_config"]["code"]["local"]["filename"]
            .as_str()
            .map(str::to_owned),
    })
}

/// Whether a wasm `PluginConfig` lets traffic through when its VM fails,
/// decided as Envoy decides it (source/extensions/common/wasm/wasm.cc,
/// the `PluginConfig` constructor, Envoy 1.33 on): `fail_open: true` is
/// `FAIL_OPEN`, and setting it beside a `failure_policy` is refused;
/// otherwise `failure_policy` decides, unset (`UNSPECIFIED`) meaning
/// `FAIL_CLOSED`. `FAIL_RELOAD` restarts the VM and refuses the requests
/// it cannot serve, so it does not open either.
fn fails_open(config: &Value) -> Result<bool> {
    let legacy = config["fail_open"].as_bool().unwrap_or(false);
    // The proto3 JSON mapping allows an enum as its name or its number.
    let policy = match &config["failure_policy"] {
        Value::Null => "UNSPECIFIED",
        Value::String(name) => name.as_str(),
        Value::Number(n) => match n.as_u64() {
            Some(0) => "UNSPECIFIED",
            Some(1) => "FAIL_RELOAD",
            Some(2) => "FAIL_CLOSED",
            Some(3) => "FAIL_OPEN",
            _ => bail!("`failure_policy: {n}` is not a FailurePolicy"),
        },
        other => bail!("`failure_policy: {other}` is not a FailurePolicy"),
    };
    match (legacy, policy) {
        (true, "UNSPECIFIED") => Ok(true),
        (true, _) => {
            bail!("only one of fail_open or failure_policy can be set (Envoy refuses both)")
        }
        (false, "FAIL_OPEN") => Ok(true),
        (false, "UNSPECIFIED" | "FAIL_CLOSED" | "FAIL_RELOAD") => Ok(false),
        (false, other) => bail!("`failure_policy: {other}` is not a FailurePolicy"),
    }
}

/// The plugin configuration of an Istio `WasmPlugin`.
pub fn from_istio(path: &Path) -> Result<PluginConfig> {
    let plugin = load(path)?;
    if plugin["kind"] != "WasmPlugin" {
        bail!("{}: not a WasmPlugin", path.display());
    }
    let spec = &plugin["spec"];
    let config = spec
        .get("pluginConfig")
        .ok_or_else(|| anyhow!("{}: spec.pluginConfig is missing", path.display()))?;
    let name = plugin["metadata"]["name"].as_str().unwrap_or_default();
    Ok(PluginConfig {
        name: name.to_owned(),
        root_id: spec["pluginName"].as_str().unwrap_or(name).to_owned(),
        vm_id: String::new(),
        // A Struct reaches the plugin as its JSON text.
        configuration: config.to_string().into_bytes(),
        fail_open: spec["failStrategy"] == "FAIL_OPEN",
        clusters: Vec::new(),
        filter: None,
    })
}

/// What a Kong declarative file (`compile --emit kong`) deploys: the
/// `aimsgate` filter's configuration, the hosts Kong routes, and the
/// `KONG_*` settings its header asks of Kong's environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KongConfig {
    /// The plugin configuration (every service carries the same).
    pub plugin: PluginConfig,
    /// Hosts of every route, in file order.
    pub hosts: Vec<String>,
    /// `KONG_…=value` lines of the header comment.
    pub environment: Vec<(String, String)>,
}

/// Reads a Kong 3.x declarative file: every `aimsgate` filter must carry
/// the same configuration.
pub fn from_kong(path: &Path) -> Result<KongConfig> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let doc = load(path)?;
    if doc["_format_version"].as_str().is_none() {
        bail!(
            "{}: not a Kong declarative file (no _format_version)",
            path.display()
        );
    }
    let mut configs = Vec::new();
    let mut hosts = Vec::new();
    for service in doc["services"].as_array().into_iter().flatten() {
        for route in service["routes"].as_array().into_iter().flatten() {
            for host in route["hosts"].as_array().into_iter().flatten() {
                hosts.extend(host.as_str().map(str::to_owned));
            }
        }
        for chain in service["filter_chains"].as_array().into_iter().flatten() {
            for filter in chain["filters"].as_array().into_iter().flatten() {
                if filter["name"] == "aimsgate" {
                    let config = filter["config"].as_str().ok_or_else(|| {
                        anyhow!("{}: a filter config is not a string", path.display())
                    })?;
                    configs.push(config.to_owned());
                }
            }
        }
    }
    let Some(first) = configs.first() else {
        bail!("{}: no `aimsgate` filter", path.display());
    };
    if configs.iter().any(|c| c != first) {
        bail!(
            "{}: the services carry different aimsgate configurations",
            path.display()
        );
    }
    let environment = text
        .lines()
        .filter_map(|line| line.trim_start_matches('#').trim().split_once('='))
        .filter(|(name, _)| name.starts_with("KONG_") && !name.contains(' '))
        .map(|(name, value)| {
            let value = value.split(" #").next().unwrap_or_default().trim();
            (name.to_owned(), value.trim_matches('"').to_owned())
        })
        .collect();
    Ok(KongConfig {
        plugin: PluginConfig {
            name: "aimsgate".to_owned(),
            root_id: "aimsgate".to_owned(),
            vm_id: String::new(),
            configuration: first.clone().into_bytes(),
            fail_open: false,
            clusters: Vec::new(),
            filter: None,
        },
        hosts,
        environment,
    })
}

fn find_wasm_filter(value: &Value) -> Option<&Value> {
    match value {
        Value::Object(map) => {
            if map.get("name").and_then(Value::as_str) == Some("envoy.filters.http.wasm")
                && map
                    .get("typed_config")
                    .is_some_and(|t| t.get("config").is_some())
            {
                return Some(value);
            }
            map.values().find_map(find_wasm_filter)
        }
        Value::Array(items) => items.iter().find_map(find_wasm_filter),
        _ => None,
    }
}

/// `configuration` is a protobuf `Any`: a `StringValue` and a `BytesValue`
/// reach the plugin raw (bytes are base64 in YAML), a `Struct` as JSON.
fn configuration_bytes(any: &Value) -> Result<Vec<u8>> {
    let kind = any["@type"].as_str().unwrap_or_default();
    let value = &any["value"];
    match kind.rsplit('/').next().unwrap_or_default() {
        "google.protobuf.StringValue" => value
            .as_str()
            .map(|s| s.as_bytes().to_vec())
            .ok_or_else(|| anyhow!("a StringValue without a string `value`")),
        "google.protobuf.BytesValue" => {
            let text = value
                .as_str()
                .ok_or_else(|| anyhow!("a BytesValue without a base64 `value`"))?;
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|e| anyhow!("a BytesValue whose `value` is not base64: {e}"))
        }
        "google.protobuf.Struct" => Ok(value.to_string().into_bytes()),
        "" => bail!("no `configuration` (the plugin would start without a rule set)"),
        other => bail!("`{other}` is not a configuration type Envoy passes to a plugin"),
    }
}

/// One nginx directive: its name, arguments and block, if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NginxDirective {
    /// The directive's name.
    pub name: String,
    /// Its arguments, unquoted.
    pub args: Vec<String>,
    /// The directives inside its `{ … }`.
    pub block: Option<Vec<NginxDirective>>,
    /// Line of the name, 1-based.
    pub line: usize,
}

impl NginxDirective {
    /// The directives named `name` directly inside this block.
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a NginxDirective> {
        self.block.iter().flatten().filter(move |d| d.name == name)
    }

    /// The first argument of the first `name` directive inside this block.
    pub fn value<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.children(name)
            .next()
            .and_then(|d| d.args.first())
            .map(String::as_str)
    }
}

/// Parses nginx configuration syntax as nginx reads it
/// (src/core/ngx_conf_file.c, `ngx_conf_read_token`): words and quoted
/// strings (with `\"`, `\'`, `\\`, `\t`, `\r`, `\n` unescaped inside
/// quotes), `;`-terminated directives, `{ … }` blocks and `#` comments.
/// Variables are left as written.
pub fn parse_nginx(text: &str) -> Result<Vec<NginxDirective>> {
    #[derive(Debug)]
    enum Token {
        Word(String, usize),
        Semicolon(usize),
        Open(usize),
        Close(usize),
    }
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            c if c.is_whitespace() => {}
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            ';' => tokens.push(Token::Semicolon(line)),
            '{' => tokens.push(Token::Open(line)),
            '}' => tokens.push(Token::Close(line)),
            '"' | '\'' => {
                let start = line;
                let mut word = String::new();
                loop {
                    match chars.next() {
                        None => bail!("line {start}: unterminated quoted string"),
                        Some(q) if q == c => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('"' | '\'' | '\\')) => word.push(e),
                            Some('t') => word.push('\t'),
                            Some('r') => word.push('\r'),
                            Some('n') => word.push('\n'),
                            Some(other) => {
                                word.push('\\');
                                word.push(other);
                            }
                            None => bail!("line {start}: unterminated quoted string"),
                        },
                        Some(other) => {
                            if other == '\n' {
                                line += 1;
                            }
                            word.push(other);
                        }
                    }
                }
                if word.len() + 2 > crate::emit::NGINX_MAX_TOKEN {
                    bail!(
                        "line {start}: a token of {} bytes (nginx refuses tokens over {})",
                        word.len() + 2,
                        crate::emit::NGINX_MAX_TOKEN
                    );
                }
                tokens.push(Token::Word(word, start));
            }
            c => {
                let mut word = String::from(c);
                while let Some(&next) = chars.peek() {
                    if next.is_whitespace() || matches!(next, ';' | '{' | '}') {
                        break;
                    }
                    word.push(next);
                    chars.next();
                }
                tokens.push(Token::Word(word, line));
            }
        }
    }
    fn block(
        tokens: &mut std::iter::Peekable<std::vec::IntoIter<Token>>,
        nested: Option<usize>,
    ) -> Result<Vec<NginxDirective>> {
        let mut out = Vec::new();
        loop {
            let (name, line) = match tokens.next() {
                None => match nested {
                    Some(open) => bail!("line {open}: block not closed"),
                    None => return Ok(out),
                },
                Some(Token::Close(line)) => match nested {
                    Some(_) => return Ok(out),
                    None => bail!("line {line}: unexpected `}}`"),
                },
                Some(Token::Word(name, line)) => (name, line),
                Some(Token::Semicolon(line) | Token::Open(line)) => {
                    bail!("line {line}: a directive without a name")
                }
            };
            let mut args = Vec::new();
            let block_ = loop {
                match tokens.next() {
                    Some(Token::Word(arg, _)) => args.push(arg),
                    Some(Token::Semicolon(_)) => break None,
                    Some(Token::Open(open)) => break Some(block(tokens, Some(open))?),
                    Some(Token::Close(l)) => {
                        bail!("line {line}: `{name}` is not terminated by `;` (`}}` on line {l})")
                    }
                    None => bail!("line {line}: `{name}` is not terminated by `;`"),
                }
            };
            out.push(NginxDirective {
                name,
                args,
                block: block_,
                line,
            });
        }
    }
    block(&mut tokens.into_iter().peekable(), None)
}

/// What an nginx configuration for ngx_wasm_module (`compile --emit
/// nginx`) deploys, as the harness needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NginxConfig {
    /// The `aimsgate` filter's configuration (every server carries the
    /// same) and filter.wasm's path.
    pub plugin: PluginConfig,
    /// `server_name`s of the servers that run the filter, in file order.
    pub hosts: Vec<String>,
    /// Whether a default server answers every other host without the
    /// filter and without proxying (`return`).
    pub default_refuses: bool,
    /// The `shm_kv` zones of the `wasm` block.
    pub shm_kv: Vec<String>,
    /// `client_body_buffer_size`, in bytes (nginx's default when unset:
    /// 16 KiB on x86-64).
    pub client_body_buffer_size: usize,
    /// `wasm_response_body_buffers` (number × size), in bytes (default
    /// 4 × 4096).
    pub response_buffers: usize,
    /// Files the configuration serves: (`listen` address, location, file).
    pub files: Vec<(String, String, String)>,
}

/// Bytes of an nginx size (`4m`, `512k`, `1024`).
pub fn nginx_bytes(size: &str) -> Result<usize> {
    let digits = size.trim_end_matches(['k', 'K', 'm', 'M', 'g', 'G']);
    let n: usize = digits
        .parse()
        .map_err(|_| anyhow!("`{size}` is not an nginx size"))?;
    let shift = match &size[digits.len()..] {
        "" => 0,
        "k" | "K" => 10,
        "m" | "M" => 20,
        "g" | "G" => 30,
        _ => bail!("`{size}` is not an nginx size"),
    };
    n.checked_shl(shift)
        .ok_or_else(|| anyhow!("`{size}` is too large"))
}

/// Reads an nginx configuration for ngx_wasm_module: every `proxy_wasm
/// aimsgate` must carry the same configuration.
pub fn from_nginx(path: &Path) -> Result<NginxConfig> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let root = NginxDirective {
        name: String::new(),
        args: Vec::new(),
        block: Some(parse_nginx(&text).with_context(|| format!("{}", path.display()))?),
        line: 0,
    };
    let wasm = root
        .children("wasm")
        .next()
        .ok_or_else(|| anyhow!("{}: no `wasm` block", path.display()))?;
    let module = wasm
        .children("module")
        .find(|m| m.args.first().map(String::as_str) == Some("aimsgate"))
        .ok_or_else(|| anyhow!("{}: no `module aimsgate <path>;`", path.display()))?;
    let shm_kv = wasm
        .children("shm_kv")
        .filter_map(|d| d.args.first().cloned())
        .collect();
    let http = root
        .children("http")
        .next()
        .ok_or_else(|| anyhow!("{}: no `http` block", path.display()))?;
    let client_body_buffer_size = match http.value("client_body_buffer_size") {
        Some(size) => nginx_bytes(size)?,
        None => 16 << 10,
    };
    let response_buffers = match http.children("wasm_response_body_buffers").next() {
        Some(d) => match d.args.as_slice() {
            [number, size] => number
                .parse::<usize>()
                .map_err(|_| anyhow!("line {}: `{number}` is not a number", d.line))?
                .saturating_mul(nginx_bytes(size)?),
            _ => bail!(
                "line {}: wasm_response_body_buffers <number> <size>",
                d.line
            ),
        },
        None => 4 * 4096,
    };
    let mut configs = Vec::new();
    let mut hosts = Vec::new();
    let mut files = Vec::new();
    let mut default_refuses = false;
    for server in http.children("server") {
        let listen = server.value("listen").unwrap_or("80").to_owned();
        let filters: Vec<&NginxDirective> = server
            .children("proxy_wasm")
            .filter(|d| d.args.first().map(String::as_str) == Some("aimsgate"))
            .collect();
        for filter in &filters {
            configs.push(filter.args.get(1).cloned().unwrap_or_default());
        }
        if !filters.is_empty() {
            hosts.extend(server.children("server_name").flat_map(|d| d.args.clone()));
        }
        let is_default = server
            .children("listen")
            .any(|d| d.args.iter().any(|a| a == "default_server"));
        if is_default && filters.is_empty() && server.children("return").next().is_some() {
            default_refuses = true;
        }
        for location in server.children("location") {
            let target = match location.args.as_slice() {
                [eq, target] if eq == "=" => target,
                [target] => target,
                _ => continue,
            };
            if let Some(file) = location.value("alias") {
                files.push((listen.clone(), target.clone(), file.to_owned()));
            }
        }
    }
    let Some(first) = configs.first() else {
        bail!("{}: no `proxy_wasm aimsgate` in a server", path.display());
    };
    if configs.iter().any(|c| c != first) {
        bail!(
            "{}: the servers carry different aimsgate configurations",
            path.display()
        );
    }
    Ok(NginxConfig {
        plugin: PluginConfig {
            name: "aimsgate".to_owned(),
            root_id: String::new(),
            vm_id: String::new(),
            configuration: first.clone().into_bytes(),
            fail_open: false,
            clusters: Vec::new(),
            filter: module.args.get(1).cloned(),
        },
        hosts,
        default_refuses,
        shm_kv,
        client_body_buffer_size,
        response_buffers,
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_syntax_reads_as_nginx_reads_it() {
        let text = "# comment\nhttp {\n  server { listen 8080 default_server; return 421; }\n  proxy_wasm aimsgate '{\"a\":\"it\\'s \\\\n\"}'; # trailing\n}\n";
        let parsed = parse_nginx(text).unwrap();
        assert_eq!(parsed.len(), 1);
        let http = &parsed[0];
        assert_eq!(http.name, "http");
        let server = http.children("server").next().unwrap();
        assert_eq!(server.line, 3);
        assert_eq!(server.value("listen"), Some("8080"));
        let filter = http.children("proxy_wasm").next().unwrap();
        assert_eq!(filter.args[1], "{\"a\":\"it's \\n\"}");
    }

    #[test]
    fn broken_nginx_syntax_says_where() {
        let err = parse_nginx("http {\n  server {\n    listen 80\n  }\n").unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
        let err = parse_nginx("events {}\n}\n").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        let long = format!("x '{}';", "a".repeat(4095));
        assert!(parse_nginx(&long).unwrap_err().to_string().contains("4096"));
    }

    #[test]
    fn nginx_sizes_read_with_their_units() {
        assert_eq!(nginx_bytes("16k").unwrap(), 16 << 10);
        assert_eq!(nginx_bytes("1m").unwrap(), 1 << 20);
        assert_eq!(nginx_bytes("4096").unwrap(), 4096);
        assert!(nginx_bytes("1x").is_err());
    }
}
