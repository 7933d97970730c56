// The demo CRM's own script: switches between cases the way a single-page CRM does, by replacing
// the visible case data. The widget notices the change and re-scores by itself. The cases come
// from the CRM (demo-cases.js), which scores its own copy of them when a decision is proposed.
import { cases as allCases, showCase } from '/demo-cases.js';

const cases = allCases.filter((data) => data.page === 'demo');
let position = 0;

function show(index) {
  position = (index + cases.length) % cases.length;
  document.querySelector('#case-position').textContent = `${position + 1} / ${cases.length}`;
  showCase(cases[position]);
}

document.querySelector('#next-case').addEventListener('click', () => show(position + 1));
document.querySelector('#prev-case').addEventListener('click', () => show(position - 1));
window.demoShowCase = show;

// Who is signed in: the demo CRM hands the widget the user and their API token (one per seeded
// user of the reference server), the way a real CRM would from its session.
const users = {
  kim: { token: 'demo-agent-kim', user: { id: 'kim', name: 'Kim Berger', role: 'agent' } },
  eva: { token: 'demo-expert-eva', user: { id: 'eva', name: 'Eva Lindqvist', role: 'expert' } },
  max: { token: 'demo-expert-max', user: { id: 'max', name: 'Max Okafor', role: 'expert' } },
  chris: { token: 'demo-comms-chris', user: { id: 'chris', name: 'Chris Ahn', role: 'communications' } },
};
const picker = document.querySelector('#demo-user');
const signIn = (id) => { document.querySelector('risk-pane').options = users[id]; };
picker.addEventListener('change', () => signIn(picker.value));
signIn(new URLSearchParams(location.search).get('user') || picker.value);
picker.value = new URLSearchParams(location.search).get('user') || picker.value;
window.demoSignIn = (id) => { picker.value = id; signIn(id); };
