// The demo CRM's own script: switches between cases the way a single-page CRM does, by replacing
// the visible case data. The widget notices the change and re-scores by itself. All case text is
// set with textContent: the page, like the widget, never turns case data into HTML.
const cases = [
  null, // the first case is the page's static HTML
  {
    id: 'C-2026-4712', channel: ['email', 'E-mail'], type: 'Data request', received: '25.11.2026 08:12',
    name: 'Marta Müller', emailOnFile: 'm.mueller@example.de', accountAge: '900 days', credentialChange: '',
    verified: 'No', inrClaims: '0', total: '', delivered: '', pod: '', sender: 'm.mueller@example.de',
    message: 'Sehr geehrte Damen und Herren, hiermit verlange ich die LÖSCHUNG aller meiner personenbezogenen Daten gemäß Art. 17 DSGVO. Bitte löschen Sie auch mein Konto.',
    actions: [], data: { refund: { to_new_instrument: false }, public: { followers: null } },
  },
  {
    id: 'C-2026-4713', channel: ['social_media', 'Instagram'], type: 'Complaint', received: '25.11.2026 09:40',
    name: '@lena.styles', emailOnFile: '', accountAge: '', credentialChange: '', verified: 'No', inrClaims: '',
    total: '', delivered: '', pod: '', sender: '',
    message: '@zalando seit 3 Wochen keine Erstattung! Mein Anwalt wird sich melden, und die Presse erfährt davon. <img src=x onerror=alert(1)>',
    actions: [], data: { refund: { to_new_instrument: false }, public: { followers: 48200 } },
  },
  {
    id: 'C-2026-4714', channel: ['email', 'E-mail'], type: 'Item not received', received: '25.11.2026 08:00',
    name: 'Jan Kowalski', emailOnFile: 'jan.kowalski@example.pl', accountAge: '2190 days', credentialChange: '01.03.2024 12:00',
    verified: 'Yes', inrClaims: '0', total: '89,95 €', delivered: '', pod: 'No', sender: 'jan.kowalski@example.pl',
    message: 'Hello, could you tell me when my order will arrive? The tracking has not changed for a week. Thank you!',
    actions: [], data: { refund: { to_new_instrument: false }, public: { followers: null } },
  },
];

const field = (name) => document.querySelector(`#case [data-field="${name}"]`);
let original = null;
let position = 0;

function capture() {
  original = document.querySelector('#case').cloneNode(true);
}

function show(index) {
  position = (index + cases.length) % cases.length;
  document.querySelector('#case-position').textContent = `${position + 1} / ${cases.length}`;
  const data = cases[position];
  if (!data) {
    document.querySelector('#case').replaceWith(original.cloneNode(true));
    return;
  }
  field('case-id').textContent = data.id;
  field('channel').dataset.value = data.channel[0];
  field('channel').textContent = data.channel[1];
  field('case-type').textContent = data.type;
  field('received-at').textContent = data.received;
  field('customer-name').textContent = data.name;
  field('email-on-file').textContent = data.emailOnFile;
  field('account-age').textContent = data.accountAge;
  field('credential-change').textContent = data.credentialChange;
  field('identity-verified').textContent = data.verified;
  field('inr-claims').textContent = data.inrClaims;
  field('order-total').textContent = data.total;
  field('delivered-at').textContent = data.delivered;
  field('pod').textContent = data.pod;
  field('sender-email').textContent = data.sender;
  field('message').textContent = data.message;
  const list = field('actions');
  list.replaceChildren(...data.actions.map(([action, label]) => {
    const item = document.createElement('li');
    item.dataset.action = action;
    item.textContent = label;
    return item;
  }));
  document.querySelector('#case-data').textContent = JSON.stringify(data.data);
}

capture();
document.querySelector('#next-case').addEventListener('click', () => show(position + 1));
document.querySelector('#prev-case').addEventListener('click', () => show(position - 1));
window.demoShowCase = show;
