// The demo CRM's cases come from the CRM itself (the reference server's `/crm/cases.js`, from
// reference-crm/cases.json): the server scores its own copy of a case when a decision is proposed,
// so the page must show exactly that data. Dates in it are relative to the server's start (no
// calendar dates). On import this module fills the page's case area with the case whose id the
// page's template names, before the widget's script reads it (pages load this module first).
// All case text is set with textContent: the page, like the widget, never turns case data into HTML.
import { cases } from '/crm/cases.js';

export { cases };

/** Shows `data` (one entry of `cases`) in the page's `#case` area. */
export function showCase(data) {
  const area = document.querySelector('#case');
  for (const element of area.querySelectorAll('[data-field]')) {
    const field = data.fields[element.dataset.field];
    if (!field) continue;
    element.textContent = field.text;
    for (const [name, value] of Object.entries(field.attributes)) element.setAttribute(name, value);
  }
  const actions = area.querySelector('[data-field=actions]');
  actions?.replaceChildren(...data.actions.map(([action, label]) => {
    const item = document.createElement('li');
    item.dataset.action = action;
    item.textContent = label;
    return item;
  }));
  const orders = area.querySelector('[data-field=orders]');
  orders?.replaceChildren(...data.orders.map((row) => {
    const line = document.createElement('tr');
    line.replaceChildren(...row.map((text) => {
      const cell = document.createElement('td');
      cell.textContent = text;
      return cell;
    }));
    return line;
  }));
  const island = document.querySelector('#case-data');
  if (island && data.data) island.textContent = JSON.stringify(data.data);
}

const shown = document.querySelector('#case [data-field=case-id]')?.textContent.trim();
const initial = cases.find((data) => data.id === shown);
if (initial) showCase(initial);
