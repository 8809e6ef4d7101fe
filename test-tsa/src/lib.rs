//! A timestamp authority for tests: Debian's `openssl ts` behind a small
//! HTTP responder, so that anchoring runs against a real RFC 3161
//! implementation rather than a mock of one.
//!
//! [`TestTsa::start`] makes a throw-away RSA key and a certificate with
//! the critical `timeStamping` extended key usage `openssl ts` insists on,
//! and serves `POST` requests on a loopback port: each body goes to
//! `openssl ts -reply`, its answer back as `application/timestamp-reply`.
//! [`TestTsa::post`] is the matching client, for a harness's HTTP call
//! handler or an edge test's `fetch`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// `openssl ts` configuration: SHA-256 throughout, one-second accuracy, no
/// certificates in the token unless asked (the verifier is given the
/// certificate).
const CONFIG: &str = "\
[ tsa ]
default_tsa = aimsgate_test
[ aimsgate_test ]
serial = ./serial
crypto_device = builtin
signer_cert = ./tsa.crt
signer_key = ./tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
";

/// A running test TSA.
#[derive(Debug)]
pub struct TestTsa {
    dir: PathBuf,
    addr: SocketAddr,
}

impl TestTsa {
    /// Makes the key and certificate and starts serving; an error when
    /// `openssl` is not installed or fails.
    pub fn start() -> Result<TestTsa, String> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "aimsgate-tsa-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        std::fs::write(dir.join("tsa.cnf"), CONFIG).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("serial"), "01\n").map_err(|e| e.to_string())?;
        openssl(
            &dir,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "tsa.key",
                "-out",
                "tsa.crt",
                "-days",
                "2",
                "-subj",
                "/CN=aimsgate test TSA",
                "-addext",
                "extendedKeyUsage=critical,timeStamping",
                "-addext",
                "keyUsage=critical,digitalSignature",
            ],
        )?;
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let served = dir.clone();
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                if let Ok(stream) = stream {
                    let _ = answer(&served, n, stream);
                }
            }
        });
        Ok(TestTsa { dir, addr })
    }

    /// [`TestTsa::start`] for a test: `None` (said on stderr) when
    /// `openssl` is missing, unless `AIMSGATE_REQUIRE_OPENSSL` is set (as
    /// CI sets it), which makes a missing `openssl` a failure instead.
    pub fn for_test() -> Option<TestTsa> {
        match TestTsa::start() {
            Ok(tsa) => Some(tsa),
            Err(why) if std::env::var_os("AIMSGATE_REQUIRE_OPENSSL").is_none() => {
                eprintln!("skipped: no test timestamp authority ({why})");
                None
            }
            Err(why) => panic!("no test timestamp authority: {why}"),
        }
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its certificate (PEM), which a verifier is given.
    pub fn certificate(&self) -> PathBuf {
        self.dir.join("tsa.crt")
    }

    /// POSTs `body` to the responder: the status and body of its answer.
    pub fn post(&self, body: &[u8]) -> Result<(u16, Vec<u8>), String> {
        let mut stream = TcpStream::connect(self.addr).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(|e| e.to_string())?;
        let head = format!(
            "POST / HTTP/1.1\r\nhost: tsa\r\ncontent-type: application/timestamp-query\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        stream
            .write_all(head.as_bytes())
            .map_err(|e| e.to_string())?;
        stream.write_all(body).map_err(|e| e.to_string())?;
        let mut reader = BufReader::new(stream);
        let mut status_line = String::new();
        reader
            .read_line(&mut status_line)
            .map_err(|e| e.to_string())?;
        let status = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("no HTTP status in {status_line:?}"))?;
        let length = read_head(&mut reader)?;
        let mut answer = vec![0; length];
        reader.read_exact(&mut answer).map_err(|e| e.to_string())?;
        Ok((status, answer))
    }
}

impl Drop for TestTsa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Reads header lines up to the blank one; returns `content-length`.
fn read_head(reader: &mut impl BufRead) -> Result<usize, String> {
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            return Err("the connection closed inside the headers".to_owned());
        }
        let line = line.trim_end();
        if line.is_empty() {
            return Ok(length);
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().map_err(|_| "a bad content-length")?;
        }
    }
}

/// Serves one connection: the request body through `openssl ts -reply`.
fn answer(dir: &Path, n: usize, stream: TcpStream) -> Result<(), String> {
    let mut reader = BufReader::new(stream.try_clone().map_err(|e| e.to_string())?);
    let mut request_line = String::new();
    reader
        .read_line(&mut request_line)
        .map_err(|e| e.to_string())?;
    let length = read_head(&mut reader)?;
    let mut query = vec![0; length];
    reader.read_exact(&mut query).map_err(|e| e.to_string())?;
    let (query_file, reply_file) = (format!("q{n}.tsq"), format!("r{n}.tsr"));
    std::fs::write(dir.join(&query_file), &query).map_err(|e| e.to_string())?;
    let replied = openssl(
        dir,
        &[
            "ts",
            "-reply",
            "-config",
            "tsa.cnf",
            "-queryfile",
            &query_file,
            "-out",
            &reply_file,
        ],
    );
    let (status, content_type, body) = match replied
        .and_then(|()| std::fs::read(dir.join(&reply_file)).map_err(|e| e.to_string()))
    {
        Ok(reply) => ("200 OK", "application/timestamp-reply", reply),
        Err(why) => ("500 Internal Server Error", "text/plain", why.into_bytes()),
    };
    let mut stream = stream;
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .map_err(|e| e.to_string())?;
    stream.write_all(&body).map_err(|e| e.to_string())
}

fn openssl(dir: &Path, args: &[&str]) -> Result<(), String> {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("openssl: {e} (Debian: apt-get install openssl)"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "openssl {} failed: {}",
            args.first().copied().unwrap_or_default(),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}
