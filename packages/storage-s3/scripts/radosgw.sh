#!/usr/bin/env bash
# A throwaway single-node Ceph cluster (one mon, one memstore OSD, no mgr,
# cephx off) plus radosgw, on 127.0.0.1 only, for the S3 adapter's tests.
#
#   radosgw.sh start <dir> [rgw-port] [mon-v2-port] [mon-v1-port]
#       Creates <dir> (must not exist or be empty), starts the daemons, waits until
#       radosgw answers (about 14 s), creates the S3 user TESTKEY / TESTSECRET,
#       and prints `ready http://127.0.0.1:<rgw-port>`.
#   radosgw.sh stop <dir>
#       Stops the daemons by their pid files and removes <dir>.
#
# Ports default to 7480, 3300 and 6789 (Ceph's own defaults). Everything,
# including the object data (in RAM), lives under <dir> and the daemons.
set -euo pipefail

command="${1:-}"
dir="${2:-}"
if [ -z "$command" ] || [ -z "$dir" ]; then
  echo "usage: $0 start <dir> [rgw-port] [mon-v2-port] [mon-v1-port] | $0 stop <dir>" >&2
  exit 2
fi

stop_daemons() {
  local pids=()
  for pidfile in "$dir"/run/*.pid; do
    [ -f "$pidfile" ] || continue
    local pid
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  # The data is throwaway: wait up to 3 s, then force.
  for _ in $(seq 1 30); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && return 0
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
}

if [ "$command" = "stop" ]; then
  [ -d "$dir" ] || exit 0
  stop_daemons
  rm -rf "$dir"
  exit 0
fi

if [ "$command" != "start" ]; then
  echo "unknown command $command: use start or stop" >&2
  exit 2
fi

rgw_port="${3:-7480}"
mon_v2_port="${4:-3300}"
mon_v1_port="${5:-6789}"

for tool in ceph-mon ceph-osd radosgw radosgw-admin ceph monmaptool uuidgen curl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$tool is not installed: run packages/storage-s3/scripts/install-radosgw.sh (as root)" >&2
    exit 3
  fi
done

mkdir -p "$dir"
if [ -n "$(ls -A "$dir")" ]; then
  echo "$dir is not empty" >&2
  exit 2
fi
dir="$(cd "$dir" && pwd)"
mkdir -p "$dir/run" "$dir/log" "$dir/mon" "$dir/osd" "$dir/rgw"

# On any failure, leave nothing running.
trap 'status=$?; if [ $status -ne 0 ]; then echo "radosgw start failed; logs in $dir/log" >&2; tail -n 20 "$dir"/log/*.log >&2 2>/dev/null || true; stop_daemons; fi' EXIT

fsid="$(uuidgen)"
mon_addr="[v2:127.0.0.1:$mon_v2_port,v1:127.0.0.1:$mon_v1_port]"
cat > "$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = $mon_addr
public addr = 127.0.0.1
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon max pg per osd = 1000
osd crush chooseleaf type = 0

[mon.a]
mon data = $dir/mon
mon data avail crit = 0
mon data avail warn = 0

[osd.0]
osd data = $dir/osd
osd objectstore = memstore
memstore device bytes = 4294967296

[client.rgw.r]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw dns name = localhost
rgw data = $dir/rgw
ms mon client mode = crc
CONF
export CEPH_CONF="$dir/ceph.conf"

# A monmap with the chosen ports, so the mon does not probe the defaults forever.
monmaptool --create --fsid "$fsid" --addv a "$mon_addr" "$dir/monmap" >/dev/null
ceph-mon --id a --mkfs --monmap "$dir/monmap" --keyring /dev/null
touch "$dir/mon/keyring"
ceph-mon --id a >>"$dir/log/startup.log" 2>&1

osd_id="$(timeout 60 ceph osd create)"
ceph osd crush add "osd.$osd_id" 1 root=default >/dev/null 2>&1
ceph-osd --id "$osd_id" --mkfs >>"$dir/log/startup.log" 2>&1
ceph-osd --id "$osd_id" >>"$dir/log/startup.log" 2>&1

ceph auth get-or-create client.rgw.r osd "allow rwx" mon "allow rw" -o "$dir/rgw/keyring" >/dev/null
radosgw -n client.rgw.r -k "$dir/rgw/keyring" >>"$dir/log/startup.log" 2>&1

endpoint="http://127.0.0.1:$rgw_port"
for _ in $(seq 1 600); do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "$endpoint/" || true)" = "200" ]; then
    break
  fi
  sleep 0.1
done
if [ "$(curl -s -o /dev/null -w '%{http_code}' "$endpoint/" || true)" != "200" ]; then
  echo "radosgw did not answer on $endpoint within 60 s" >&2
  exit 1
fi

radosgw-admin user create --uid tester --display-name Tester \
  --access-key=TESTKEY --secret-key=TESTSECRET >/dev/null
trap - EXIT
echo "ready $endpoint"
