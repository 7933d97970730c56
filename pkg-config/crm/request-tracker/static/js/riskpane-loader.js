/* riskpane loader for Request Tracker: on a ticket page with the riskpane mount point (added by
   the Riskpane Mason callback), load the widget module from /static/riskpane and mount it. */
(function () {
  function start() {
    var root = document.getElementById('riskpane-root');
    if (!root || root.getAttribute('data-started')) return;
    root.setAttribute('data-started', '1');
    var user = (window.RT && window.RT.CurrentUser) || {};
    import('/static/riskpane/riskpane.js').then(function (riskpane) {
      window.riskpaneHandle = riskpane.mount(root, {
        pack: '/static/riskpane/packs/care.json',
        profile: '/static/riskpane/profiles/request-tracker.json',
        lang: document.documentElement.lang || 'en',
        user: { id: String(user.Name || ''), name: String(user.RealName || user.Name || ''), role: root.getAttribute('data-role') || 'agent' }
      });
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
