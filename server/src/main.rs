//! `daily-sync-dev-server`: reads the flags and the environment, prints where to go, serves until
//! Ctrl-C. Everything else is in the library.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use daily_sync_dev_server::{serve, Config, SERVER_FROM_ID};

const USAGE: &str = "\
daily-sync-dev-server: the daily-sync demo, local rooms and Daily's send-app-message endpoint,
on one machine, with no Daily account.

USAGE:
    daily-sync-dev-server [--root DIR]

OPTIONS:
    --root DIR   the daily-sync repository (default: the current directory); serves DIR/www at /,
                 DIR/pkg at /pkg/ and DIR/node_modules/@daily-co/daily-js/dist at the same path
    -h, --help   this help

ENVIRONMENT:
    PORT                 the port on 127.0.0.1 (default 8080; 0 picks a free one)
    DAILY_SYNC_DEV_KEY   the API key the REST endpoint requires (default: a random key, printed)

ENDPOINTS:
    GET  /v1/rooms/{room}/ws                     a local room's WebSocket, for
         createLocalCallObject({ room, transport: 'websocket', url: 'ws://127.0.0.1:PORT/v1/rooms/ROOM/ws' })
    POST /v1/rooms/{room_name}/send-app-message  Daily's REST endpoint, with 'Authorization: Bearer KEY';
         the message reaches the room's participants as an app-message with fromId \"API\"
";

/// What the command line and the environment ask for.
struct Options {
    root: PathBuf,
    port: u16,
    key: Option<String>,
}

fn options() -> Result<Option<Options>, String> {
    let mut root = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--root" => root = Some(args.next().ok_or("--root needs a directory")?),
            _ => match arg.strip_prefix("--root=") {
                Some(dir) => root = Some(dir.to_owned()),
                None => return Err(format!("unknown argument {arg:?} (see --help)")),
            },
        }
    }
    let root = match root {
        Some(dir) => PathBuf::from(dir),
        None => std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?,
    };
    let port = match std::env::var("PORT") {
        Ok(port) => port.trim().parse().map_err(|_| format!("PORT must be a port number, not {port:?}"))?,
        Err(_) => 8080,
    };
    let key = std::env::var("DAILY_SYNC_DEV_KEY").ok().filter(|key| !key.is_empty());
    Ok(Some(Options { root, port, key }))
}

/// A fresh key: 128 random bits in hex.
fn random_key() -> Result<String, String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| format!("cannot make a random API key: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Completes on Ctrl-C (or, on Unix, SIGTERM).
async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

async fn run(options: Options) -> Result<(), String> {
    if !options.root.join("www").is_dir() {
        return Err(format!(
            "{} has no www/: run from the daily-sync repository or pass --root",
            options.root.display()
        ));
    }
    if !options.root.join("pkg/index.js").is_file() {
        eprintln!("warning: pkg/index.js is missing: build it with `bash scripts/build.sh`");
    }
    let api_key = match options.key {
        Some(key) => key,
        None => random_key()?,
    };
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, options.port));
    let listener =
        tokio::net::TcpListener::bind(address).await.map_err(|e| format!("cannot listen on {address}: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    println!("daily-sync demo: http://127.0.0.1:{port}/");
    println!("dev API key: {api_key}");
    println!(
        "rooms: ws://127.0.0.1:{port}/v1/rooms/ROOM/ws; REST: POST http://127.0.0.1:{port}/v1/rooms/ROOM/send-app-message (fromId {SERVER_FROM_ID:?})"
    );
    let config = Config { root: options.root, api_key };
    serve(listener, config, Default::default(), stop_signal()).await.map_err(|e| format!("server error: {e}"))?;
    println!("daily-sync dev server stopped");
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match options() {
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Some(options)) => run(options).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("daily-sync-dev-server: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_names_the_server_from_id() {
        assert!(USAGE.contains(&format!("fromId \"{SERVER_FROM_ID}\"")));
    }
}
