// The embedding example: mount() with options, the riskpane:scored event, update and unmount.
import '/demo-cases.js'; // fills case E-1 from the CRM before the widget reads it
import { mount, version } from '/riskpane/riskpane.js';

const options = {
  pack: '/riskpane/packs/demo.json',
  profile: '/riskpane/profiles/demo.json',
  user: { id: 'kim', name: 'Kim Berger', role: 'agent' },
  theme: { '--riskpane-accent': '#0b6e4f' },
  onScored: (detail) => { window.lastScored = detail; },
};

window.riskpaneVersion = version();
window.riskpaneOptions = options;
window.riskpaneMount = (extra = {}) => mount(document.querySelector('#slot'), { ...options, ...extra });
if (!new URLSearchParams(location.search).has('manual')) {
  window.riskpaneHandle = window.riskpaneMount();
}
