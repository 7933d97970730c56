#!/usr/bin/env bash
# Starts Request Tracker 5 (Debian, SQLite) on 127.0.0.1:8180 with the riskpane extension, for the
# end-to-end tests: installs it non-interactively if missing (preseeded answers), fixes the site
# config permissions, installs the extension and the built widget (target/dist/npm, from
# `cargo xtask dist`), seeds users/group/queue/custom fields once, starts rt-server, waits until
# REST 2.0 answers, and creates three realistic tickets on every start: their dates are relative to
# the moment they are created (delivered 25 hours before the claim, ...), never calendar dates.
# RISKPANE_CLOCK_SHIFT_DAYS=N runs RT under faketime N days ahead (the test suite's guard run
# against time bombs). The four-eye scrip's checker, the native `riskpane` binary, is built with
# cargo (or taken from RISKPANE_BIN) and installed with the care pack and the RT profile into
# RISKPANE_DIR (default /usr/local/lib/riskpane). Run as root. Stop with rt-down.sh.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
PORT=8180
ROOT_PASSWORD=rootpass123
# Kept next to RT's database (same lifetime): the seed marker, the seeded ticket ids, logs, pid.
STATE=${RT_STATE:-/var/lib/request-tracker5/riskpane}
BASE="http://127.0.0.1:$PORT"
LOCAL=/usr/local/share/request-tracker5
mkdir -p "$STATE"

if ! dpkg-query -W -f='${Status}' request-tracker5 2>/dev/null | grep -q 'install ok installed'; then
  apt-get update
  debconf-set-selections "$HERE/rt-preseed.txt"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends \
    request-tracker5 rt5-db-sqlite rt5-standalone curl
fi
command -v curl > /dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q curl
SHIFT_DAYS=${RISKPANE_CLOCK_SHIFT_DAYS:-0}
case "$SHIFT_DAYS" in ''|*[!0-9]*) echo "rt-up: RISKPANE_CLOCK_SHIFT_DAYS must be a whole number of days" >&2; exit 1 ;; esac
CLOCK=()
if [ "$SHIFT_DAYS" != 0 ]; then
  command -v faketime > /dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 faketime
  CLOCK=(faketime -f "+${SHIFT_DAYS}d")
fi

# RT runs as www-data and must be able to read its configuration.
chown root:www-data /etc/request-tracker5/RT_SiteConfig.pm && chmod 640 /etc/request-tracker5/RT_SiteConfig.pm
RISKPANE_DIR=${RISKPANE_DIR:-/usr/local/lib/riskpane}
sed "s#'/usr/local/lib/riskpane'#'$RISKPANE_DIR'#" "$HERE/99-riskpane.pm" > /etc/request-tracker5/RT_SiteConfig.d/99-riskpane.pm
chown root:www-data /etc/request-tracker5/RT_SiteConfig.d/99-riskpane.pm && chmod 640 /etc/request-tracker5/RT_SiteConfig.d/99-riskpane.pm

# The extension: loader script, Mason callback, and the widget package with packs and profiles.
mkdir -p "$LOCAL/static/js" "$LOCAL/html"
install -m 644 "$HERE/static/js/riskpane-loader.js" "$LOCAL/static/js/riskpane-loader.js"
rm -rf "$LOCAL/html/Callbacks/Riskpane" && mkdir -p "$LOCAL/html/Callbacks"
cp -r "$HERE/html/Callbacks/Riskpane" "$LOCAL/html/Callbacks/Riskpane"
test -f "$REPO/target/dist/npm/riskpane.js" || { echo "rt-up: build the widget first (cargo xtask dist)" >&2; exit 1; }
rm -rf "$LOCAL/static/riskpane" && cp -r "$REPO/target/dist/npm" "$LOCAL/static/riskpane"
rm -rf /var/cache/request-tracker5/mason_data/obj

# RT's four-eye check: the scrip action and the native checker it runs, with the pack and profile
# the widget uses (RT reads the TOML sources, the browser their compiled JSON).
if [ -z "${RISKPANE_BIN:-}" ]; then
  (cd "$REPO" && cargo build --quiet --bin riskpane)
  RISKPANE_BIN="$REPO/target/debug/riskpane"
fi
install -d -m 755 "$RISKPANE_DIR" "$LOCAL/lib/RT/Action"
install -m 755 "$RISKPANE_BIN" "$RISKPANE_DIR/riskpane"
install -m 644 "$REPO/pkg-config/rules/care.toml" "$RISKPANE_DIR/care.toml"
install -m 644 "$REPO/pkg-config/crm/request-tracker.toml" "$RISKPANE_DIR/request-tracker.toml"
install -m 644 "$HERE/lib/RT/Action/RiskpaneFourEyes.pm" "$LOCAL/lib/RT/Action/RiskpaneFourEyes.pm"
# The experts' QA export (docs/qa-review.md): run on this host as www-data.
install -m 755 "$HERE/bin/rt-qa-export" "$RISKPANE_DIR/rt-qa-export"

# Seed once per database: ask RT itself whether the current seed is there. A database seeded by an
# older riskpane (other rights) is rebuilt: it only ever holds test data.
# RT runs as www-data, which may not be able to read this checkout (a private temporary clone):
# the seed files are copied next to RT's state first.
install -m 644 -t "$STATE" "$HERE/seed-state.pl" "$HERE/initialdata.pl"
SEED_STATE=0
runuser -u www-data -- perl "$STATE/seed-state.pl" 2>/dev/null || SEED_STATE=$?
case "$SEED_STATE" in
  0|1|3) ;;
  *) echo "rt-up: cannot check RT's seed (seed-state.pl exited $SEED_STATE)" >&2; exit 1 ;;
esac
if [ "$SEED_STATE" = 3 ]; then
  echo "rt-up: the test database has an older riskpane seed; rebuilding it"
  "$HERE/rt-down.sh" || true
  DB=/var/lib/dbconfig-common/sqlite3/request-tracker5/rtdb
  rm -f "$DB"
  runuser -u www-data -- /usr/sbin/rt-setup-database-5 --action init > "$STATE/rt-init.log" 2>&1
  chown root:www-data "$DB" && chmod 660 "$DB"
  runuser -u www-data -- perl -e 'use lib "/usr/local/share/request-tracker5/lib", "/usr/share/request-tracker5/lib";
    use RT; RT::LoadConfig(); RT::Init(); my $root = RT::User->new(RT->SystemUser); $root->Load("root");
    my ($ok, $message) = $root->SetPassword($ARGV[0]); die "$message\n" unless $ok;' "$ROOT_PASSWORD"
fi
if [ "$SEED_STATE" != 0 ]; then
  runuser -u www-data -- /usr/sbin/rt-setup-database-5 --action insert --datafile "$STATE/initialdata.pl" --skip-create
fi

"$HERE/rt-down.sh" || true
setsid runuser -u www-data -- "${CLOCK[@]}" /usr/share/request-tracker5/libexec/rt-server --host 127.0.0.1 --port "$PORT" \
  > "$STATE/rt-server.log" 2>&1 < /dev/null &
echo $! > "$STATE/rt.pid"
for _ in $(seq 1 240); do
  curl -fs -o /dev/null -u "root:$ROOT_PASSWORD" "$BASE/REST/2.0/rt" && break
  sleep 0.5
done
curl -fs -o /dev/null -u "root:$ROOT_PASSWORD" "$BASE/REST/2.0/rt" || { echo "rt-up: RT did not start" >&2; tail -20 "$STATE/rt-server.log" >&2; exit 1; }

create_ticket() {
  curl -fs -u "root:$ROOT_PASSWORD" -H 'Content-Type: application/json' -X POST "$BASE/REST/2.0/ticket" -d "$1" \
    | sed -E 's/.*"id":"([0-9]+)".*/\1/'
}
# RT's datetime for N hours before RT's now (which runs SHIFT_DAYS ahead in the guard run).
hours_ago() { date -u -d "@$(( $(date +%s) + SHIFT_DAYS * 86400 - $1 * 3600 ))" +%Y-%m-%dT%H:%M:%SZ; }
INR=$(create_ticket '{"Queue":"Risk Review","Subject":"Parcel never arrived, refund now","Requestor":"anna.schmidt@example.com","ContentType":"text/plain","Content":"My parcel never arrived. I need the refund RIGHT NOW, this is urgent. Send it to my new card please.","CustomFields":{"Case Type":"item_not_received","Channel":"email","Order Total (EUR)":"649.90","Median Basket (EUR)":"89.95","Account Age (days)":"12","Delivered At":"'"$(hours_ago 25)"'","Proof of Delivery":"yes","Claims (12 months)":"3","Identity Verified":"no","Last Credential Change":"'"$(hours_ago 64)"'","Refund To New Instrument":"yes"}}')
GDPR=$(create_ticket '{"Queue":"Risk Review","Subject":"Löschung meiner Daten","Requestor":"m.mueller@example.de","ContentType":"text/plain","Content":"Sehr geehrte Damen und Herren, hiermit verlange ich die LÖSCHUNG aller meiner personenbezogenen Daten gemäß Art. 17 DSGVO. Bitte löschen Sie auch mein Konto.","CustomFields":{"Case Type":"privacy_request","Channel":"email","Account Age (days)":"900","Identity Verified":"no","Claims (12 months)":"0"}}')
SOCIAL=$(create_ticket '{"Queue":"Risk Review","Subject":"Instagram: @lena.styles complains publicly","Requestor":"lena@example.com","ContentType":"text/plain","Content":"@zalando seit 3 Wochen keine Erstattung! Mein Anwalt wird sich melden, und die Presse erfährt davon.","CustomFields":{"Case Type":"complaint","Channel":"social_media","Followers":"48200"}}')
for id in "$INR" "$GDPR" "$SOCIAL"; do
  case "$id" in ''|*[!0-9]*) echo "rt-up: could not create the seed tickets" >&2; exit 1 ;; esac
done
printf '{"base":"%s","inr":%s,"gdpr":%s,"social":%s,"clockShiftDays":%s,"riskpaneDir":"%s"}\n' "$BASE" "$INR" "$GDPR" "$SOCIAL" "$SHIFT_DAYS" "$RISKPANE_DIR" > "$STATE/tickets.json"
echo "rt-up: Request Tracker on $BASE; tickets $(cat "$STATE/tickets.json")"
