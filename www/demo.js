// The demo CRM's own script: switches between cases the way a single-page CRM does, by replacing
// the visible case data. The widget notices the change and re-scores by itself. All case text is
// set with textContent: the page, like the widget, never turns case data into HTML. Dates are
// relative to the moment the page opens (case-dates.js), so the demo scores the same on any day.
import { ago } from '/case-dates.js';

const quiet = {
  'identity-method': 'None', representative: 'No', 'prior-chargebacks': '0', 'accounts-same-email': '1',
  'new-device': 'No', 'failed-verifications': '0', 'contacts-7d': '1', 'weight-matches': '', 'payment-method': 'Card',
  'median-basket': '', 'refund-requested': '', 'address-new': 'No', 'address-differs': 'No', 'pickup-point': 'No',
  'address-changed-after-dispatch': 'No', forwarder: 'No',
};
const island = (extra) => ({
  refund: { to_new_instrument: false, paid: false }, payment: { dispute_open: false }, account: { change_requested: [] },
  public: { followers: null }, returns: { rate_12m: 0.3, orders_12m: 5, wear_flags_12m: 0 },
  promo: { redemptions_in_cluster: 0, self_referral: false },
  privacy: { prior_access_requests_6m: 0, open_claim_or_dispute: false, answered: false, extension_notified: false },
  tier2: { agent_exceptions_90d: 0 }, ...extra,
});

const cases = [
  null, // the first case is the page's static HTML
  {
    channel: ['email', 'E-mail'], domain: 'example.de', actions: [], data: island({}),
    fields: {
      ...quiet, 'case-id': 'C-2026-4712', 'case-type': 'Data request', 'received-at': ago('2h 48m'),
      'customer-name': 'Marta Müller', 'email-on-file': 'm.mueller@example.de', 'account-age': '900 days',
      'credential-change': '', 'identity-verified': 'No', 'inr-claims': '0', 'order-total': '', 'delivered-at': '', pod: '',
      'sender-email': 'm.mueller@example.de',
      message: 'Sehr geehrte Damen und Herren, hiermit verlange ich die LÖSCHUNG aller meiner personenbezogenen Daten gemäß Art. 17 DSGVO. Bitte löschen Sie auch mein Konto.',
    },
  },
  {
    channel: ['social_media', 'Instagram'], domain: '', actions: [], data: island({ public: { followers: 48200 } }),
    fields: {
      ...quiet, 'case-id': 'C-2026-4713', 'case-type': 'Complaint', 'received-at': ago('1h 20m'),
      'customer-name': '@lena.styles', 'email-on-file': '', 'account-age': '', 'credential-change': '', 'identity-verified': 'No',
      'inr-claims': '', 'order-total': '', 'delivered-at': '', pod: '', 'sender-email': '', 'contacts-7d': '4',
      message: '@zalando seit 3 Wochen keine Erstattung! Mein Anwalt wird sich melden, und die Presse erfährt davon. <img src=x onerror=alert(1)>',
    },
  },
  {
    channel: ['email', 'E-mail'], domain: 'example.pl', actions: [], data: island({}),
    fields: {
      ...quiet, 'case-id': 'C-2026-4714', 'case-type': 'Item not received', 'received-at': ago('3h'),
      'customer-name': 'Jan Kowalski', 'email-on-file': 'jan.kowalski@example.pl', 'account-age': '2190 days',
      'credential-change': ago('998d 23h'), 'identity-verified': 'Yes', 'identity-method': 'Logged-in session', 'inr-claims': '0',
      'order-total': '89,95 €', 'median-basket': '75,00 €', 'delivered-at': '', pod: 'No', 'sender-email': 'jan.kowalski@example.pl',
      message: 'Hello, could you tell me when my order will arrive? The tracking has not changed for a week. Thank you!',
    },
  },
];

const field = (name) => document.querySelector(`#case [data-field="${name}"]`);
let original = null;
let position = 0;

function show(index) {
  position = (index + cases.length) % cases.length;
  document.querySelector('#case-position').textContent = `${position + 1} / ${cases.length}`;
  const data = cases[position];
  if (!data) {
    document.querySelector('#case').replaceWith(original.cloneNode(true));
    return;
  }
  for (const [name, value] of Object.entries(data.fields)) {
    const element = field(name);
    if (element) element.textContent = value;
  }
  field('channel').dataset.value = data.channel[0];
  field('channel').textContent = data.channel[1];
  field('sender-email').dataset.domain = data.domain;
  field('actions').replaceChildren(...data.actions.map(([action, label]) => {
    const item = document.createElement('li');
    item.dataset.action = action;
    item.textContent = label;
    return item;
  }));
  document.querySelector('#case-data').textContent = JSON.stringify(data.data);
}

original = document.querySelector('#case').cloneNode(true);
document.querySelector('#next-case').addEventListener('click', () => show(position + 1));
document.querySelector('#prev-case').addEventListener('click', () => show(position - 1));
window.demoShowCase = show;

// Who is signed in: the demo CRM hands the widget the user and their API token (one per seeded
// user of the reference server), the way a real CRM would from its session.
const users = {
  kim: { token: 'demo-agent-kim', user: { id: 'kim', name: 'Kim Berger', role: 'agent' } },
  eva: { token: 'demo-expert-eva', user: { id: 'eva', name: 'Eva Lindqvist', role: 'expert' } },
  max: { token: 'demo-expert-max', user: { id: 'max', name: 'Max Okafor', role: 'expert' } },
};
const picker = document.querySelector('#demo-user');
const signIn = (id) => { document.querySelector('risk-pane').options = users[id]; };
picker.addEventListener('change', () => signIn(picker.value));
signIn(new URLSearchParams(location.search).get('user') || picker.value);
picker.value = new URLSearchParams(location.search).get('user') || picker.value;
window.demoSignIn = (id) => { picker.value = id; signIn(id); };
