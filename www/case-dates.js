// The demo CRM's dates, relative to the moment the page opens: a case "received 50 minutes ago"
// stays so on any day, so the demo shows the same scores whenever it runs. Elements carry
// `data-ago="1d 1h 30m"` (days, hours, minutes before now) and, for a date without a time,
// `data-show="date"`; this module writes the text the demo CRM profile reads (DD.MM.YYYY HH:mm in
// UTC+01:00, pkg-config/crm/demo.toml). It runs before the widget's script (index.html orders it
// first), so the widget's first read already sees today's dates. demo.js uses `ago` for the other
// cases.

/** The demo CRM shows local times at UTC+01:00 (the profile's `utc_offset`). */
const SHOWN_OFFSET_MS = 60 * 60 * 1000;
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000 };

/** Milliseconds in a span such as `2d 16h` or `50m`. */
function span(text) {
  let total = 0;
  for (const part of text.trim().split(/\s+/)) {
    const match = /^(\d+)([dhm])$/.exec(part);
    if (!match) throw new Error(`case-dates: "${text}" is not a span like "1d 2h 30m"`);
    total += Number(match[1]) * UNIT_MS[match[2]];
  }
  return total;
}

const two = (number) => String(number).padStart(2, '0');

/** The page's text for the moment `spanText` before now: `24.11.2026 09:30`, or `24.11.2026` with `{ date: true }`. */
export function ago(spanText, { date = false } = {}) {
  const shown = new Date(Date.now() - span(spanText) + SHOWN_OFFSET_MS);
  const day = `${two(shown.getUTCDate())}.${two(shown.getUTCMonth() + 1)}.${shown.getUTCFullYear()}`;
  return date ? day : `${day} ${two(shown.getUTCHours())}:${two(shown.getUTCMinutes())}`;
}

for (const element of document.querySelectorAll('[data-ago]')) {
  element.textContent = ago(element.dataset.ago, { date: element.dataset.show === 'date' });
}
