//! A server on an ephemeral port in this process, a bare HTTP/1.1 client and WebSocket clients.
#![allow(dead_code)] // each test file uses part of it

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use daily_sync_dev_server::{serve, Config, Relay};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const KEY: &str = "test-key";

/// How long a test waits for something that should come.
pub const WAIT: Duration = Duration::from_secs(5);
/// How long a test waits to be sure that something does not come.
pub const QUIET: Duration = Duration::from_millis(300);

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub struct TestServer {
    pub addr: SocketAddr,
    pub relay: Arc<Relay>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

/// A fresh folder with a tiny site: `www/index.html`, `pkg/daily_sync.js`, daily-js's
/// `dist/daily-esm.js`, and `secret.txt` at the root, which must never be served.
pub fn site() -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let root = std::env::temp_dir().join(format!(
        "daily-sync-dev-server-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let files = [
        ("www/index.html", "<!doctype html><title>demo</title>"),
        ("pkg/daily_sync.js", "export default function init() {}"),
        ("node_modules/@daily-co/daily-js/dist/daily-esm.js", "export default {};"),
        ("node_modules/@daily-co/daily-js/package.json", "{}"),
        ("secret.txt", "not for the web"),
    ];
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    root
}

pub async fn start() -> TestServer {
    start_at(site()).await
}

pub async fn start_at(root: PathBuf) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let config = Config { root, api_key: KEY.into() };
    let relay = Arc::new(Relay::new());
    let task = tokio::spawn(serve(listener, config, relay.clone(), async move {
        let _ = stopped.await;
    }));
    TestServer { addr, relay, stop: Some(stop), task }
}

pub struct Reply {
    pub status: u16,
    /// The header block, lowercased.
    pub headers: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.headers.lines().find_map(|line| line.strip_prefix(&prefix)).map(str::trim)
    }

    /// `{error, info}`'s `error`, checking there is an `info` too.
    pub fn error(&self) -> String {
        let json = self.json();
        assert!(json["info"].as_str().is_some_and(|info| !info.is_empty()), "no info in {json}");
        json["error"].as_str().unwrap_or_default().to_owned()
    }
}

impl TestServer {
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(WAIT, self.task).await.expect("the server stops").unwrap().unwrap();
    }

    /// One request on a fresh connection (`Connection: close`), with the given extra headers.
    pub async fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let mut stream = TcpStream::connect(self.addr).await.unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(body).await.unwrap();
        let mut raw = Vec::new();
        tokio::time::timeout(WAIT, stream.read_to_end(&mut raw)).await.expect("a reply").unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block");
        let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
        assert!(!head.contains("transfer-encoding: chunked"), "this client reads whole bodies only");
        Reply { status, headers: head, body: raw[split + 4..].to_vec() }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.request("GET", path, &[], b"").await
    }

    /// `POST /v1/rooms/{room}/send-app-message` with `key` as the bearer key (none if `None`).
    pub async fn send_app_message(&self, room: &str, key: Option<&str>, body: &str) -> Reply {
        let auth = key.map(|key| format!("Bearer {key}"));
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(auth) = &auth {
            headers.push(("Authorization", auth));
        }
        self.request("POST", &format!("/v1/rooms/{room}/send-app-message"), &headers, body.as_bytes()).await
    }

    pub async fn connect(&self, room: &str) -> Socket {
        let url = format!("ws://{}/v1/rooms/{room}/ws", self.addr);
        let (socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        socket
    }

    /// `N` clients of `room`, which had none, once the relay holds them all.
    pub async fn clients<const N: usize>(&self, room: &str) -> [Socket; N] {
        let mut sockets = Vec::with_capacity(N);
        for _ in 0..N {
            sockets.push(self.connect(room).await);
        }
        until_connected(self, room, N).await;
        match sockets.try_into() {
            Ok(sockets) => sockets,
            Err(_) => unreachable!("N sockets were made"),
        }
    }
}

/// Sends one text frame.
pub async fn send(socket: &mut Socket, text: impl Into<String>) {
    socket.send(Message::text(text.into())).await.unwrap();
}

/// A server with `N` clients in `room`.
pub async fn with_clients<const N: usize>(room: &str) -> (TestServer, [Socket; N]) {
    let server = start().await;
    let clients = server.clients(room).await;
    (server, clients)
}

/// Sends `text` from `from` and checks that each of `to` receives it as it was sent.
pub async fn relays(from: &mut Socket, text: &str, to: &mut [&mut Socket]) {
    send(from, text).await;
    for socket in to {
        assert_eq!(next_text(socket).await, text);
    }
}

/// The next text frame, failing after [`WAIT`].
pub async fn next_text(socket: &mut Socket) -> String {
    loop {
        let message = tokio::time::timeout(WAIT, socket.next()).await.expect("a message in time");
        match message.expect("the socket is open").unwrap_or_else(|e| panic!("read error: {e:?}")) {
            Message::Text(text) => return text.to_string(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

/// Asserts no text frame comes within [`QUIET`].
pub async fn assert_quiet(socket: &mut Socket) {
    if let Ok(Some(Ok(Message::Text(text)))) = tokio::time::timeout(QUIET, socket.next()).await {
        panic!("expected nothing, got {text}");
    }
}

/// Waits until `room` has `count` connections: a connection joins its room just after its
/// handshake, so a test that sent at once could race it.
pub async fn until_connected(server: &TestServer, room: &str, count: usize) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while server.relay.connections(room) != count {
        assert!(tokio::time::Instant::now() < deadline, "{room} has {count} connections in time");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
