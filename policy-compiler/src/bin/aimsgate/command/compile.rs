//! `aimsgate compile`: compile a policy into the rule set the filter loads
//! (binary or JSON), or with `--emit` into ready-to-apply Envoy, Istio, Kong
//! or nginx deployment config with the rule set embedded (nginx: beside it).

use std::fs;
use std::path::{Path, PathBuf};

use aimsgate_compiler::emit::EnvoyVersion;
use aimsgate_compiler::policy::compile::Compiled;
use aimsgate_engine::ruleset::RuleSet;
use aimsgate_engine::signing::Signer25519;
use anyhow::{Context, Result};
use clap::ValueEnum;

use crate::common::{compiled, engine_of, write_output};

#[derive(clap::Args)]
pub struct CompileArgs {
    /// Policy file.
    policy: PathBuf,
    /// Output file (a directory with --emit).
    #[arg(short, long)]
    output: PathBuf,
    /// Binary (for Envoy BytesValue) or JSON-wrapped (StringValue, Istio pluginConfig).
    #[arg(long, value_enum, default_value_t = RulesFormat::Bin)]
    format: RulesFormat,
    /// Write ready-to-apply deployment config with the rule set
    /// embedded instead: `envoy` (envoy.yaml), `istio` (WasmPlugin,
    /// Dockerfile and, given the filter, an OCI image layout), `kong`
    /// (kong.yaml) or `nginx` (nginx.conf and the rules.bin it serves).
    #[arg(long, value_enum)]
    emit: Option<Emit>,
    /// The filter module, for the OCI image layout (--emit istio).
    #[arg(long, default_value = "target/aimsgate/filter.wasm")]
    filter: PathBuf,
    /// Send every governed host's traffic to this address, host:port
    /// (TLS; the certificate is still checked against the governed host),
    /// instead of to each host itself.
    #[arg(long)]
    upstream: Option<String>,
    /// The OpenTelemetry Collector (OTLP/HTTP), host:port.
    #[arg(long, default_value = "otel-collector:4318")]
    collector: String,
    /// The OCI image the WasmPlugin pulls.
    #[arg(long)]
    image: Option<String>,
    /// The oldest Envoy the bootstrap must load on (e.g. 1.35): 1.33 and
    /// newer get `failure_policy`, older ones `fail_open`.
    #[arg(long, default_value_t = EnvoyVersion::default())]
    envoy_version: EnvoyVersion,
    /// Sign the rule set with this private key (`aimsgate keygen`): runtimes
    /// that trust the key's public half load only rule sets it signed.
    #[arg(long, value_name = "KEY")]
    sign: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Emit {
    /// A complete Envoy bootstrap.
    Envoy,
    /// An Istio WasmPlugin and the filter's OCI image.
    Istio,
    /// Kong Gateway 3.x declarative configuration (ngx_wasm_module).
    Kong,
    /// nginx with ngx_wasm_module: nginx.conf and rules.bin.
    Nginx,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    Bin,
    Json,
}

pub fn run(args: CompileArgs) -> Result<()> {
    let CompileArgs {
        policy: path,
        output,
        format,
        emit,
        filter,
        upstream,
        collector,
        image,
        envoy_version,
        sign,
    } = args;
    let signer = match &sign {
        Some(key) => {
            let text = fs::read_to_string(key)
                .with_context(|| format!("cannot read the signing key {}", key.display()))?;
            let signer = Signer25519::from_text(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", key.display()))?;
            Some(signer)
        }
        None => None,
    };
    let compiled = compiled(&path)?;
    engine_of(&compiled)?;
    if let Some(emit) = emit {
        let mut deployment = aimsgate_compiler::emit::Deployment {
            upstream,
            collector,
            envoy_version,
            signed: signer
                .as_ref()
                .map(|signer| signer.sign(&compiled.ruleset.to_bytes())),
            ..Default::default()
        };
        if let Some(signer) = &signer {
            eprintln!(
                "signed by key {}: the proxy must trust it (AIMSGATE_TRUSTED_KEYS in its environment)",
                signer.key_id()
            );
        }
        if let Some(image) = image {
            deployment.image = image;
        }
        return emit_config(&compiled, emit, &deployment, &filter, &output);
    }
    let binary = match &signer {
        Some(signer) => signer.sign(&compiled.ruleset.to_bytes()),
        None => compiled.ruleset.to_bytes(),
    };
    let bytes = match format {
        RulesFormat::Bin => binary,
        RulesFormat::Json => RuleSet::json_of(&binary)?.into_bytes(),
    };
    write_output(Some(&output), &bytes)?;
    let rs = &compiled.ruleset;
    eprintln!(
        "wrote {} ({} bytes): policy {} {} digest {}, {} detectors, {} rules, {} routes",
        output.display(),
        bytes.len(),
        rs.policy.name,
        rs.policy.version,
        rs.policy.digest.short(),
        rs.detectors.len(),
        rs.rules.len(),
        rs.routes.len()
    );
    if let Some(signer) = &signer {
        eprintln!("signed by key {}", signer.key_id());
    }
    Ok(())
}

/// `compile --emit`: deployment config into `dir`.
fn emit_config(
    compiled: &Compiled,
    emit: Emit,
    deployment: &aimsgate_compiler::emit::Deployment,
    filter: &Path,
    dir: &Path,
) -> Result<()> {
    use aimsgate_compiler::{emit, oci};
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let ruleset = &compiled.ruleset;
    match emit {
        Emit::Envoy => {
            let path = dir.join("envoy.yaml");
            fs::write(&path, emit::envoy_bootstrap(ruleset, deployment))?;
            eprintln!("wrote {}", path.display());
        }
        Emit::Kong => {
            let path = dir.join("kong.yaml");
            fs::write(&path, emit::kong_declarative(ruleset, deployment))?;
            eprintln!("wrote {}", path.display());
        }
        Emit::Nginx => {
            let rules = deployment.rules(ruleset);
            let conf = emit::nginx_conf(ruleset, &rules, deployment)?;
            let path = dir.join("rules.bin");
            fs::write(&path, &rules)?;
            eprintln!(
                "wrote {} (install it at {})",
                path.display(),
                deployment.rules_path
            );
            let path = dir.join("nginx.conf");
            fs::write(&path, conf)?;
            eprintln!("wrote {}", path.display());
        }
        Emit::Istio => {
            let path = dir.join("wasmplugin.yaml");
            fs::write(&path, emit::istio_wasmplugin(ruleset, deployment))?;
            eprintln!("wrote {}", path.display());
            let path = dir.join("Dockerfile");
            fs::write(&path, emit::DOCKERFILE)?;
            eprintln!("wrote {}", path.display());
            match fs::read(filter) {
                Ok(wasm) => {
                    let tag = env!("CARGO_PKG_VERSION");
                    let layout = dir.join("oci");
                    let digest = oci::write_layout(&wasm, tag, &layout)?;
                    eprintln!(
                        "wrote {} (OCI image layout of {}, manifest {digest}; push with `crane push {} REF` or `skopeo copy oci:{}:{tag} docker://REF`)",
                        layout.display(),
                        filter.display(),
                        layout.display(),
                        layout.display()
                    );
                }
                Err(_) => eprintln!(
                    "note: no filter at {} (build it with `cargo xtask demo`, or pass --filter) — the OCI image layout was not written",
                    filter.display()
                ),
            }
        }
    }
    Ok(())
}
