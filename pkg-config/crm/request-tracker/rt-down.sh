#!/usr/bin/env bash
# Stops the rt-server that rt-up.sh started: setsid made it a process group; end the whole group.
set -u
STATE=${RT_STATE:-/var/lib/request-tracker5/riskpane}
[ -f "$STATE/rt.pid" ] || exit 0
GROUP=$(cat "$STATE/rt.pid")
kill -TERM -- "-$GROUP" 2>/dev/null
for _ in $(seq 1 20); do kill -0 -- "-$GROUP" 2>/dev/null || break; sleep 0.25; done
rm -f "$STATE/rt.pid"
exit 0
