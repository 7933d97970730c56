/* riskpane loader for Request Tracker: on a ticket page with the riskpane mount point (added by
   the Riskpane Mason callback), load the widget module from /static/riskpane and mount it. The
   widget reads the signed-in user from RT itself (window.RT.CurrentUser). */
(function () {
  function start() {
    var root = document.getElementById('riskpane-root');
    if (!root || root.getAttribute('data-started')) return;
    root.setAttribute('data-started', '1');
    import('/static/riskpane/riskpane-rt.js').then(function (riskpane) {
      window.riskpaneHandle = riskpane.mount(root, {
        pack: '/static/riskpane/packs/care.json',
        profile: '/static/riskpane/profiles/request-tracker.json',
        lang: document.documentElement.lang || 'en'
        // No user option: the widget's RT adapter takes the user from window.RT.CurrentUser.
      });
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
