#!/usr/bin/env bash
# Users' clean build: the clean build time of a binary that depends on `certcentral` with
# default features, and which dependencies dominate it (from `cargo build --timings`).
#
#   bash benches/clean-build.sh [--release]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
profile_flag=${1:-}
work="$root/target/clean-build"
rm -rf "$work"
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
cp "$root/Cargo.lock" "$work/app/Cargo.lock" 2>/dev/null || true
cd "$work/app"
start=$(date +%s%N)
CARGO_TARGET_DIR="$work/target" cargo build --quiet --timings $profile_flag
end=$(date +%s%N)
echo "clean build ${profile_flag:-(dev)}: $(( (end - start) / 1000000 )) ms on $(nproc) cores"
report=$(ls -t "$work/target/cargo-timings"/cargo-timing-*.html | head -1)
python3 - "$report" <<'EOF'
import json, re, sys
html = open(sys.argv[1]).read()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", html, re.S).group(1))
total = sum(u["duration"] for u in units)
print(f"{len(units)} units, {total:.1f} s of compile time in all; the 12 longest:")
for u in sorted(units, key=lambda u: -u["duration"])[:12]:
    print(f"  {u['duration']:6.1f} s  {u['name']} {u['version']} {u.get('target', '').strip()}")
EOF
