//! filter.wasm as an OCI image layout on disk, for registries without a
//! container engine at hand (`crane push`, `skopeo copy oci:DIR …`,
//! `oras cp --from-oci-layout`).
//!
//! The image is what `docker build` makes of `FROM scratch` + `COPY
//! plugin.wasm ./` — Istio's "compat" variant: an OCI image config and one
//! `tar+gzip` layer holding `plugin.wasm`. Envoy/Istio accept it; a
//! single-layer artifact whose layer has the wasm media type has been
//! rejected. The bytes are deterministic (zero timestamps and owners), so
//! the same filter always gives the same digest.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::json;
use sha2::{Digest as _, Sha256};

/// Media type of the image manifest.
pub const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// Media type of the image config.
pub const CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// Media type of the layer.
pub const LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// A blob: its bytes and their `sha256:` digest.
struct Blob {
    bytes: Vec<u8>,
    digest: String,
}

impl Blob {
    fn new(bytes: Vec<u8>) -> Blob {
        let digest = format!("sha256:{}", hex(&Sha256::digest(&bytes)));
        Blob { bytes, digest }
    }

    fn descriptor(&self, media_type: &str) -> serde_json::Value {
        json!({"mediaType": media_type, "digest": self.digest, "size": self.bytes.len()})
    }
}

/// Writes the image layout of `wasm` into `dir` (created if missing) and
/// returns the manifest digest. `tag` names it in `index.json`.
pub fn write_layout(wasm: &[u8], tag: &str, dir: &Path) -> Result<String> {
    let tar = plugin_tar(wasm)?;
    let diff_id = format!("sha256:{}", hex(&Sha256::digest(&tar)));
    let mut gz = flate2::GzBuilder::new().write(Vec::new(), flate2::Compression::best());
    gz.write_all(&tar)?;
    let layer = Blob::new(gz.finish()?);
    let config = Blob::new(serde_json::to_vec(&json!({
        "architecture": "wasm",
        "os": "wasip1",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    }))?);
    let manifest = Blob::new(serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "config": config.descriptor(CONFIG),
        "layers": [layer.descriptor(LAYER)],
    }))?);
    let index = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": MANIFEST,
            "digest": manifest.digest,
            "size": manifest.bytes.len(),
            "annotations": {"org.opencontainers.image.ref.name": tag},
        }],
    });
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs)
        .with_context(|| format!("cannot create {}", blobs.display()))?;
    for blob in [&layer, &config, &manifest] {
        let name = blob.digest.trim_start_matches("sha256:");
        std::fs::write(blobs.join(name), &blob.bytes)?;
    }
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    std::fs::write(dir.join("index.json"), serde_json::to_vec_pretty(&index)?)?;
    Ok(manifest.digest)
}

/// A tar holding `plugin.wasm`, with nothing that varies between builds.
fn plugin_tar(wasm: &[u8]) -> Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_ustar();
    header.set_size(wasm.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    builder.append_data(&mut header, "plugin.wasm", wasm)?;
    Ok(builder.into_inner()?)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
