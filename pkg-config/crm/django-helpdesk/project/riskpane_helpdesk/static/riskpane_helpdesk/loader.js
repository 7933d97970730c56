// riskpane loader for django-helpdesk: on a ticket page with the riskpane mount point (added by
// the riskpane app's template override), load the widget module from /static/riskpane and mount
// it. The widget reads the signed-in user from the page's ticket island.
const root = document.getElementById('riskpane-root');
if (root && !root.dataset.started) {
  root.dataset.started = '1';
  const riskpane = await import('/static/riskpane/riskpane-helpdesk.js');
  window.riskpaneHandle = riskpane.mount(root, {
    pack: '/static/riskpane/packs/care.json',
    profile: '/static/riskpane/profiles/django-helpdesk.json',
    lang: document.documentElement.lang || 'en',
  });
}
