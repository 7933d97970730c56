#!/usr/bin/env bash
# Stops the django-helpdesk server that helpdesk-up.sh started: setsid made it a process group
# (with faketime in the guard run); end the whole group.
set -u
STATE=${HELPDESK_STATE:-/tmp/riskpane-helpdesk}
[ -f "$STATE/helpdesk.pid" ] || exit 0
GROUP=$(cat "$STATE/helpdesk.pid")
kill -TERM -- "-$GROUP" 2> /dev/null
for _ in $(seq 1 20); do kill -0 -- "-$GROUP" 2> /dev/null || break; sleep 0.25; done
kill -KILL -- "-$GROUP" 2> /dev/null
rm -f "$STATE/helpdesk.pid"
exit 0
