#!/usr/bin/env bash
# Installs the optional system library the fast CPU path uses (OpenBLAS, for the wasm-blas backend)
# when it is missing and this user may install packages; otherwise says how, and the run goes on
# with the plain wasm backend. Never fails the command that calls it.
if ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so\.0'; then exit 0; fi
if [ "$(uname -s)" != "Linux" ] || ! command -v apt-get >/dev/null; then
  echo "note: OpenBLAS not found; install it (macOS: brew install openblas) for the fast wasm-blas backend" >&2
  exit 0
fi
if [ "$(id -u)" = "0" ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
  echo "note: OpenBLAS not found; run 'sudo apt-get install libopenblas0-pthread' for the fast wasm-blas backend" >&2
  exit 0
fi
echo "installing libopenblas0-pthread (fast CPU matmuls)..." >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -qq libopenblas0-pthread >/dev/null 2>&1 ||
  { $SUDO apt-get update -qq >/dev/null 2>&1 && $SUDO apt-get install -y -qq libopenblas0-pthread >/dev/null 2>&1; } ||
  echo "note: could not install libopenblas0-pthread; continuing with the plain wasm backend" >&2
exit 0
