#!/usr/bin/env bash
# Derive cost: the incremental build time of a crate with 100 #[derive(ClientCertificateOrder)]
# types against the same crate with only serde::Serialize derived. Target: ratio <= 2.
#
#   bash benches/derive-cost.sh [runs]        (default 5 runs each; reports medians)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
work="$root/target/derive-cost"
export CARGO_TARGET_DIR="$work/target"
mkdir -p "$work"

# $1: crate name, $2: "order" or "serde"
make_crate() {
  local dir="$work/$1" kind=$2
  mkdir -p "$dir/src"
  cat > "$dir/Cargo.toml" <<EOF
[package]
name = "$1"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
certcentral = { path = "$root/client" }
serde = { version = "1", features = ["derive"] }

[workspace]
EOF
  {
    echo "#![allow(dead_code)]"
    for i in $(seq 1 100); do
      if [ "$kind" = order ]; then
        if [ $((i % 2)) -eq 0 ]; then
          echo "#[derive(certcentral::ClientCertificateOrder)]"
          echo "#[order(product = \"client_premium\", common_name_indicator = \"given_name_surname\", signature_hash = \"sha256\")]"
        else
          echo "#[derive(certcentral::ClientCertificateOrder)]"
          echo "#[order(product = \"client_authentication_plus\", signature_hash = \"sha256\", payment_method = \"balance\")]"
        fi
      else
        echo "#[derive(serde::Serialize)]"
      fi
      echo "pub struct Order$i {"
      echo "    pub common_name: String,"
      echo "    pub emails: Vec<String>,"
      if [ $((i % 2)) -eq 0 ]; then
        [ "$kind" = order ] && echo "    #[order(param = \"certificate.individual.first_name\")]"
        echo "    pub first: String,"
        [ "$kind" = order ] && echo "    #[order(param = \"certificate.individual.last_name\")]"
        echo "    pub last: String,"
      fi
      [ "$kind" = order ] && echo "    #[order(param = \"organization.id\")]"
      echo "    pub org: i64,"
      [ "$kind" = order ] && echo "    #[order(param = \"order_validity.years\")]"
      echo "    pub years: u8,"
      echo "    pub alternative_order_id: Option<String>,"
      echo "}"
    done
  } > "$dir/src/lib.rs"
}

# Median of the incremental build times (ms) of crate $1 after touching its lib.rs.
measure() {
  local dir="$work/$1" times=()
  (cd "$dir" && cargo build --quiet)
  for _ in $(seq 1 "$runs"); do
    touch "$dir/src/lib.rs"
    local start end
    start=$(date +%s%N)
    (cd "$dir" && cargo build --quiet)
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "%d %d %d\n", m, a[1], a[NR]}'
}

make_crate derive_orders order
make_crate derive_serde serde
order=$(measure derive_orders)
read -r order_ms order_min order_max <<< "$order"
serde=$(measure derive_serde)
read -r serde_ms serde_min serde_max <<< "$serde"
echo "incremental build, 100 types, median of $runs (min-max):"
echo "  #[derive(ClientCertificateOrder)]: ${order_ms} ms (${order_min}-${order_max})"
echo "  #[derive(serde::Serialize)]:       ${serde_ms} ms (${serde_min}-${serde_max})"
awk -v a="$order_ms" -v b="$serde_ms" 'BEGIN { printf "  ratio: %.2fx (target <= 2x)\n", a / b }'
