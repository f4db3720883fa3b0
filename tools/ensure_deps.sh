#!/usr/bin/env bash
# Installs the optional system libraries the fast CPU path uses (OpenBLAS, and oneDNN for the large
# matrix products, for the wasm-blas backend)
# when it is missing and this user may install packages; otherwise says how, and the run goes on
# with the plain wasm backend. Never fails the command that calls it.
pkgs=()
ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so\.0' || pkgs+=(libopenblas0-pthread)
ldconfig -p 2>/dev/null | grep -q 'libdnnl\.so' || pkgs+=(libdnnl2)
if [ ${#pkgs[@]} -eq 0 ]; then exit 0; fi
if [ "$(uname -s)" != "Linux" ] || ! command -v apt-get >/dev/null; then
  echo "note: ${pkgs[*]} not found; install OpenBLAS (macOS: brew install openblas) and oneDNN for the fast wasm-blas backend" >&2
  exit 0
fi
if [ "$(id -u)" = "0" ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
  echo "note: run 'sudo apt-get install ${pkgs[*]}' for the fast wasm-blas backend" >&2
  exit 0
fi
echo "installing ${pkgs[*]} (fast CPU matmuls)..." >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null 2>&1 ||
  { $SUDO apt-get update -qq >/dev/null 2>&1 && $SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null 2>&1; } ||
  echo "note: could not install ${pkgs[*]}; continuing with what is there (plain wasm without OpenBLAS)" >&2
exit 0
