#!/usr/bin/env bash
# Users' clean build: the clean build time of a binary that depends on `certcentral` with
# default features, and which dependencies dominate it (from `cargo build --timings`).
# With --baseline, also the clean build of the same binary on a plain progenitor client of the
# same spec (`certcentral-codegen --plain-progenitor`: every operation, the shapes the SDK gives
# progenitor, reqwest with the SDK's TLS), and the ratio of the two.
#
#   bash benches/clean-build.sh [--release] [--baseline]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
profile_flag=""
baseline=false
for arg in "$@"; do
  case "$arg" in
    --release) profile_flag=--release ;;
    --baseline) baseline=true ;;
    *) echo "usage: bash benches/clean-build.sh [--release] [--baseline]" >&2; exit 2 ;;
  esac
done
work="$root/target/clean-build"
rm -rf "$work"

# build NAME: a clean build of $work/NAME (its own target folder); prints its time in ms.
build() {
  cp "$root/Cargo.lock" "$work/$1/Cargo.lock"
  local start end
  start=$(date +%s%N)
  (cd "$work/$1" && CARGO_TARGET_DIR="$work/target-$1" cargo build --quiet --timings $profile_flag)
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}

# longest NAME: the 12 longest units of the last build of NAME.
longest() {
  local report
  report=$(ls -t "$work/target-$1/cargo-timings"/cargo-timing-*.html | head -1)
  python3 - "$report" <<'EOF'
import json, re, sys
html = open(sys.argv[1]).read()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", html, re.S).group(1))
total = sum(u["duration"] for u in units)
print(f"{len(units)} units, {total:.1f} s of compile time in all; the 12 longest:")
for u in sorted(units, key=lambda u: -u["duration"])[:12]:
    print(f"  {u['duration']:6.1f} s  {u['name']} {u['version']} {u.get('target', '').strip()}")
EOF
}

mkdir -p "$work/app/src"
cat > "$work/app/Cargo.toml" <<EOF
[package]
name = "app"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
certcentral = { path = "$root/client" }
tokio = { version = "1", features = ["rt", "macros"] }

[workspace]
EOF
cat > "$work/app/src/main.rs" <<'EOF'
use certcentral::{ApiKey, Client};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    match Client::builder(ApiKey::new("key")).build() {
        Ok(client) => println!("{}", client.base_url()),
        Err(e) => eprintln!("{e}"),
    }
}
EOF

if $baseline; then
  mkdir -p "$work/plain/src"
  (cd "$root" && cargo run --quiet -p certcentral-codegen -- --plain-progenitor "$work/plain/src/client.rs")
  cat > "$work/plain/Cargo.toml" <<EOF
[package]
name = "plain"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
progenitor-client = "0.15.1"
reqwest = { version = "0.13.5", default-features = false, features = ["json", "rustls-no-provider"] }
rustls = { version = "0.23", default-features = false, features = ["ring", "std", "tls12"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tokio = { version = "1", features = ["rt", "macros"] }

[workspace]
EOF
  cat > "$work/plain/src/main.rs" <<'EOF'
#[allow(dead_code, clippy::all)]
mod client;
use progenitor_client::ClientInfo;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = client::Client::new("https://www.digicert.com/services/v2");
    println!("{}", client.baseurl());
}
EOF
  plain_ms=$(build plain)
  echo "plain progenitor client, clean build ${profile_flag:-(dev)}: $plain_ms ms on $(nproc) cores"
  longest plain
fi

app_ms=$(build app)
echo "certcentral, clean build ${profile_flag:-(dev)}: $app_ms ms on $(nproc) cores"
longest app
if $baseline; then
  python3 -c "print(f'ratio: {$app_ms / $plain_ms:.2f}x the plain progenitor client (goal: at most 1.15x)')"
fi
