//! Just enough HTTP/1.1 for `POST /v1/qualifications` over a kept-alive loopback
//! connection, as the browser component sends it. Hand-written so the client shares no
//! stack with the gateway (hyper) and costs the same whichever store the gateway uses.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

pub struct Response {
    pub status: u16,
    pub body: String,
}

pub struct Connection {
    addr: SocketAddr,
    stream: Option<BufReader<TcpStream>>,
    /// `Authorization` header line (with its CRLF), or empty.
    authorization: String,
}

impl Connection {
    /// A connection sending `ONSHI_BENCH_CREDENTIAL` (the EMR's credential the gateways
    /// verify) as `Authorization: Bearer`, when set.
    pub fn new(addr: SocketAddr) -> Self {
        let authorization = std::env::var("ONSHI_BENCH_CREDENTIAL")
            .map(|c| format!("authorization: Bearer {c}\r\n"))
            .unwrap_or_default();
        Self {
            addr,
            stream: None,
            authorization,
        }
    }

    /// Sends one JSON POST and reads the whole answer. A kept-alive connection the gateway
    /// closed meanwhile is reopened once (nothing was answered on it, so nothing is lost).
    pub fn post_json(&mut self, path: &str, body: &str, timeout: Duration) -> io::Result<Response> {
        let reused = self.stream.is_some();
        match self.try_post(path, body, timeout) {
            Err(err) if reused && err.kind() == io::ErrorKind::UnexpectedEof => {
                self.stream = None;
                self.try_post(path, body, timeout)
            }
            other => other,
        }
    }

    fn try_post(&mut self, path: &str, body: &str, timeout: Duration) -> io::Result<Response> {
        let result = self.exchange(path, body, timeout);
        if result.is_err() {
            self.stream = None;
        }
        result
    }

    fn exchange(&mut self, path: &str, body: &str, timeout: Duration) -> io::Result<Response> {
        if self.stream.is_none() {
            let stream = TcpStream::connect_timeout(&self.addr, timeout)?;
            stream.set_nodelay(true)?;
            self.stream = Some(BufReader::new(stream));
        }
        let reader = self.stream.as_mut().expect("connected above");
        reader.get_ref().set_read_timeout(Some(timeout))?;
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: {}\r\n{}content-type: application/json\r\n\
             content-length: {}\r\n\r\n",
            self.addr,
            self.authorization,
            body.len()
        );
        let mut request = head.into_bytes();
        request.extend_from_slice(body.as_bytes());
        reader.get_mut().write_all(&request)?;

        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| invalid(format!("bad status line {line:?}")))?;
        let (mut length, mut close) = (None, false);
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                return Err(invalid(format!("bad header {header:?}")));
            };
            let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
            match name.as_str() {
                "content-length" => {
                    length = Some(value.parse::<usize>().map_err(|_| invalid("bad length"))?)
                }
                "transfer-encoding" => {
                    // The gateway answers with whole JSON bodies; anything else is news.
                    return Err(invalid(format!("unexpected transfer-encoding {value}")));
                }
                "connection" => close = value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        let length = length.ok_or_else(|| invalid("no content-length"))?;
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        if close {
            self.stream = None;
        }
        Ok(Response {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}
