#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, to try the Slurm executor (and for its tests and CI).
# Needs root and Debian's slurm-wlm + munge (tools/ensure_deps.sh test installs them); no systemd.
#
#   tools/slurm.sh start    start munged, slurmctld and slurmd; wait until the node is idle
#   tools/slurm.sh stop     stop them and remove the cluster's folder
#   tools/slurm.sh env      print the line to source: export SLURM_CONF=...
#   tools/slurm.sh status   say whether it runs
#
# Everything lives in one folder ($VITOK_SLURM_DIR, default /tmp/vitok-slurm): config, munge socket,
# state, logs. The node offers every core, 8 GB, and two fake GPUs (gres on /dev/null and /dev/zero)
# so that --gpus requests can be tested without a GPU. `start` on a running cluster does nothing.
set -euo pipefail
dir="${VITOK_SLURM_DIR:-/tmp/vitok-slurm}"
conf="$dir/slurm.conf"
cmd="${1:-status}"

running() { [ -f "$conf" ] && SLURM_CONF="$conf" timeout 5 sinfo -h -o %T 2>/dev/null | grep -qE 'idle|mix|alloc'; }

case "$cmd" in
env)
  echo "export SLURM_CONF=$conf"
  ;;
status)
  if running; then echo "slurm: running (SLURM_CONF=$conf)"; else echo "slurm: not running"; exit 1; fi
  ;;
start)
  if running; then echo "slurm: already running (SLURM_CONF=$conf)"; exit 0; fi
  for tool in slurmctld slurmd munged sbatch; do
    command -v "$tool" >/dev/null || { echo "error: $tool is missing: apt-get install slurm-wlm munge (or tools/ensure_deps.sh test)" >&2; exit 2; }
  done
  [ "$(id -u)" = 0 ] || { echo "error: starting a local Slurm needs root (slurmd runs jobs as their user)" >&2; exit 2; }
  "$0" stop >/dev/null 2>&1 || true
  mkdir -p "$dir"/{state,spool,log,munge}
  chown munge:munge "$dir/munge" && chmod 711 "$dir/munge"
  host="$(hostname -s)"
  cat >"$dir/gres.conf" <<EOF
NodeName=$host Name=gpu File=/dev/null
NodeName=$host Name=gpu File=/dev/zero
EOF
  cat >"$conf" <<EOF
ClusterName=vitok
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket.2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=500
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
MinJobAge=300
GresTypes=gpu
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=8000 Gres=gpu:2 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  runuser -u munge -- munged -F --socket="$dir/munge/munge.socket.2" --pid-file="$dir/munge/munged.pid" \
    --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" >/dev/null 2>&1 &
  for _ in $(seq 100); do [ -S "$dir/munge/munge.socket.2" ] && break; sleep 0.1; done
  [ -S "$dir/munge/munge.socket.2" ] || { echo "error: munged did not start (see $dir/munge/munged.log)" >&2; exit 1; }
  export SLURM_CONF="$conf"
  slurmctld -D >"$dir/log/slurmctld.out" 2>&1 &
  echo $! >"$dir/slurmctld.launcher"
  slurmd -D >"$dir/log/slurmd.out" 2>&1 &
  echo $! >"$dir/slurmd.launcher"
  for _ in $(seq 150); do running && break; sleep 0.2; done
  running || { echo "error: the node did not come up idle (see $dir/log/)" >&2; exit 1; }
  echo "slurm: running; for sbatch/squeue here: export SLURM_CONF=$conf"
  ;;
stop)
  for f in slurmd.launcher slurmctld.launcher munge/munged.pid; do
    [ -f "$dir/$f" ] && kill "$(cat "$dir/$f")" 2>/dev/null || true
  done
  pkill -f "slurmctld -D" 2>/dev/null || true
  pkill -f "slurmd -D" 2>/dev/null || true
  pkill -f "munged -F --socket=$dir" 2>/dev/null || true
  sleep 0.5
  rm -rf "$dir"
  echo "slurm: stopped"
  ;;
*)
  echo "usage: tools/slurm.sh start|stop|env|status" >&2
  exit 2
  ;;
esac
