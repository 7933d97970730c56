# Request Tracker site configuration for riskpane (installed as
# /etc/request-tracker5/RT_SiteConfig.d/99-riskpane.pm, owner root:www-data, mode 0640).
Set($WebDomain, '127.0.0.1');
Set($WebPort, 8180);
Set($WebPath, '');
Set($WebBaseURL, 'http://127.0.0.1:8180');
Set($WebURL, 'http://127.0.0.1:8180/');
Set($LogToSTDERR, 'warning');
# Mail goes to an mbox file, never to an MTA.
Set($MailCommand, 'mbox');
# The loader that mounts the widget on ticket pages (from /usr/local/share/request-tracker5/static/js).
Set(@JSFiles, 'riskpane-loader.js');
# The widget's .wasm must be served as application/wasm (Plack has no type for it).
use Plack::MIME; Plack::MIME->add_type('.wasm' => 'application/wasm');
# Where the four-eye scrip finds `riskpane` (rt-verdict), care.toml and request-tracker.toml.
Set($RiskpaneDir, '/usr/local/lib/riskpane');
1;
