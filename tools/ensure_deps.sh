#!/usr/bin/env bash
# Installs the system packages a command needs, when they are missing and this user may install
# packages (root, or password-less sudo); otherwise says which are missing and how to get them.
#
#   ensure_deps.sh run    OpenBLAS and oneDNN (the fast wasm-blas backend's matrix products)
#   ensure_deps.sh test   those, plus ffmpeg (videofolder), Chromium (report browser checks),
#                         Debian's dataset-fashion-mnist (the idx reader's real-data test),
#                         slurm-wlm + munge (the Slurm executor's tests start a one-node cluster) and
#                         mesa-vulkan-drivers (lavapipe: a Vulkan adapter on the CPU, so the webgpu
#                         backend's tests run without a GPU)
#
# A held apt/dpkg lock (another install, unattended-upgrades) is waited for, up to 10 minutes,
# not given up on. Never fails the command that calls it: what is still missing is said loudly here,
# and the run states its backend (and warns of a slower path) on its own.
profile="${1:-run}"
pkgs=()
ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so\.0' || pkgs+=(libopenblas0-pthread)
ldconfig -p 2>/dev/null | grep -q 'libdnnl\.so' || pkgs+=(libdnnl2)
if [ "$profile" = "test" ]; then
  command -v ffmpeg >/dev/null || pkgs+=(ffmpeg)
  [ -x /usr/bin/chromium ] || pkgs+=(chromium)
  [ -d /usr/share/datasets/fashion-mnist ] || pkgs+=(dataset-fashion-mnist)
  command -v slurmctld >/dev/null || pkgs+=(slurm-wlm)
  command -v munged >/dev/null || pkgs+=(munge)
  compgen -G '/usr/share/vulkan/icd.d/lvp_icd*.json' >/dev/null || pkgs+=(mesa-vulkan-drivers)
fi
[ ${#pkgs[@]} -eq 0 ] && exit 0

warn() { printf '\n*** WARNING: %s\n\n' "$*" >&2; }
if [ "$(uname -s)" != "Linux" ] || ! command -v apt-get >/dev/null; then
  warn "missing: ${pkgs[*]}. Install OpenBLAS and oneDNN (macOS: brew install openblas), ffmpeg and Chromium; without them runs are slower and the tests that need them are skipped"
  exit 0
fi
if [ "$(id -u)" = "0" ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
  warn "missing: ${pkgs[*]}. Run: sudo apt-get install ${pkgs[*]} (until then runs use a slower path and the tests that need them are skipped)"
  exit 0
fi

# Runs apt-get, waiting while another process holds the apt or dpkg lock.
apt_wait() {
  local out waited=0 said=0
  while true; do
    out="$($SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 "$@" 2>&1)" && return 0
    if grep -qiE 'could not get lock|unable to acquire|is another process using it' <<<"$out" && [ $waited -lt 600 ]; then
      [ $said = 1 ] || echo "waiting for the apt lock (another package manager is running)..." >&2
      said=1
      sleep 5
      waited=$((waited + 5))
      continue
    fi
    printf '%s\n' "$out" | tail -3 >&2
    return 1
  done
}

t0=$(date +%s)
echo "installing ${pkgs[*]} (profile $profile)..." >&2
if ! apt_wait install -y -qq --no-install-recommends "${pkgs[@]}"; then
  apt_wait update -qq && apt_wait install -y -qq --no-install-recommends "${pkgs[@]}" ||
    { warn "could not install ${pkgs[*]}; continuing without them (slower matrix products; the tests that need them are skipped)"; exit 0; }
fi
echo "installed ${pkgs[*]} in $(($(date +%s) - t0)) s" >&2
exit 0
