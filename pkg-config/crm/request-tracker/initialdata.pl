# riskpane's Request Tracker seed: users (an agent, an expert, a member of Communications) with
# the agent's service provider (user custom field "Service Provider": RT's directory, from which
# rt-qa-export takes the provider of a QA review), the
# experts group, the Communications group (approves public replies), a queue, and
# the custom fields that carry case facts and the widget's results. Loaded with
#   runuser -u www-data -- /usr/sbin/rt-setup-database-5 --action insert --datafile initialdata.pl --skip-create
@Users = (
    { Name => 'widget-agent', EmailAddress => 'agent@example.com', RealName => 'Kim Berger',
      Password => 'agentpass123', Privileged => 1,
      CustomFields => [ { CustomField => 'Service Provider', Value => 'Atlas Care' } ] },
    { Name => 'widget-expert', EmailAddress => 'expert@example.com', RealName => 'Eva Lindqvist',
      Password => 'expertpass123', Privileged => 1 },
    { Name => 'widget-comms', EmailAddress => 'comms@example.com', RealName => 'Chris Ahn',
      Password => 'commspass123', Privileged => 1 },
);
@Groups = (
    { Name => 'Risk Experts', Description => 'Risk mitigation experts (four-eye checkers)' },
    { Name => 'Communications', Description => 'Communications (confirm public replies)' },
);
@Members = (
    { Group => 'Risk Experts', Name => 'widget-expert' },
    { Group => 'Communications', Name => 'widget-comms' },
);
@Queues = (
    { Name => 'Risk Review', Description => 'Cases for the risk desk', CorrespondAddress => '', CommentAddress => '' },
    # Experts' pattern reports for the Fraud Advisory Team (issue 17): one ticket per report,
    # referring to the case's ticket; only the Risk Experts group files them.
    { Name => 'Fraud Advisory', Description => 'New fraud patterns reported by risk experts', CorrespondAddress => '', CommentAddress => '' },
);
my @fact_fields = (
    [ 'Case Type', 'SelectSingle', [qw(item_not_received missing_item damaged return refund privacy_request complaint account payment_dispute voucher address_change internal_report other)] ],
    [ 'Channel', 'SelectSingle', [qw(email phone chat web_form letter social_media review_site)] ],
    [ 'Order Total (EUR)', 'FreeformSingle' ],
    [ 'Median Basket (EUR)', 'FreeformSingle' ],
    [ 'Account Age (days)', 'FreeformSingle' ],
    [ 'Delivered At', 'FreeformSingle' ],
    [ 'Proof of Delivery', 'SelectSingle', [qw(yes no)] ],
    [ 'Claims (12 months)', 'FreeformSingle' ],
    [ 'Identity Verified', 'SelectSingle', [qw(yes no)] ],
    [ 'Followers', 'FreeformSingle' ],
    [ 'Last Credential Change', 'FreeformSingle' ],
    [ 'Refund To New Instrument', 'SelectSingle', [qw(yes no)] ],
    # Internal fraud reports raised by colleagues (case type internal_report).
    [ 'Report Team', 'SelectSingle', [qw(warehouse payments customer_care logistics store security other)] ],
    [ 'Report Kind', 'SelectSingle', [qw(empty_box_return item_swap refund_to_other_account payment_pattern employee_discount_abuse voucher_leak address_cluster other)] ],
    [ 'Involves Employee', 'SelectSingle', [qw(yes no)] ],
    [ 'Related Cases', 'FreeformSingle' ],
    [ 'Report Amount (EUR)', 'FreeformSingle' ],
    [ 'Evidence Attached', 'SelectSingle', [qw(yes no)] ],
    [ 'Report Status', 'SelectSingle', [qw(open investigating closed)] ],
    [ 'Risk Score', 'FreeformSingle' ],
    [ 'Risk Band', 'SelectSingle', [qw(low medium high critical)] ],
    [ 'Decision State', 'SelectSingle', [qw(pending_confirmation confirmed rejected decided)] ],
    [ 'Risk Flags', 'SelectMultiple', [qw(fraud privacy brand quality four-eyes)] ],
);
@CustomFields = ((map {
    my ($name, $type, $values) = @$_;
    { Name => $name, Type => $type, LookupType => 'RT::Queue-RT::Ticket', Queue => ['Risk Review'],
      ($values ? (Values => [ map { { Name => $_ } } @$values ]) : ()) }
} @fact_fields),
    # Whose service provider a user works for (set by RT's administrators, never by the widget).
    { Name => 'Service Provider', Type => 'FreeformSingle', LookupType => 'RT::User',
      Description => 'The service provider the user works for (QA reviews by provider)' });
# Rights: both users work the queue; every custom field but "Decision State" may be modified by
# both, "Decision State" only by the Risk Experts and Communications groups. So RT itself, not only
# the widget, refuses a confirmation or rejection from anyone outside them (the server-side half of
# the four-eye rule; which of the two groups checks which outcome is the scrip's verdict). Custom-field rights are granted on each field, not on the queue (a queue-wide
# ModifyCustomField would cover "Decision State" too).
my @queue_rights = qw(SeeQueue CreateTicket ShowTicket ShowTicketComments CommentOnTicket ReplyToTicket ModifyTicket SeeCustomField);
my @users = qw(widget-agent widget-expert widget-comms);
@ACL = (
    ( map { my $right = $_; map { { UserId => $_, Queue => 'Risk Review', Right => $right } } @users } @queue_rights ),
    ( map { my $field = $_->[0]; map { { UserId => $_, CF => $field, Right => 'ModifyCustomField' } } @users }
      grep { $_->[0] ne 'Decision State' } @fact_fields ),
    { GroupId => 'Risk Experts', GroupDomain => 'UserDefined', CF => 'Decision State', Right => 'ModifyCustomField' },
    { GroupId => 'Communications', GroupDomain => 'UserDefined', CF => 'Decision State', Right => 'ModifyCustomField' },
    ( map { { GroupId => 'Risk Experts', GroupDomain => 'UserDefined', Queue => 'Fraud Advisory', Right => $_ } }
      qw(SeeQueue CreateTicket ShowTicket ModifyTicket CommentOnTicket) ),
    # Customers answer by e-mail (correspondence); whatever they write never counts as a decision.
    { GroupDomain => 'RT::Queue-Role', GroupType => 'Requestor', Queue => 'Risk Review', Right => 'ReplyToTicket' },
);
# What rights cannot say (is this outcome final without a second approval here? is the checker not
# the maker? does the confirmation repeat the proposal? may this agent set that band?) RT checks
# on every transaction of the queue with this scrip: lib/RT/Action/RiskpaneFourEyes.pm asks
# `riskpane rt-verdict`, notes refused records and reverts refused changes.
@ScripActions = (
    { Name => 'riskpane four eyes', Description => 'Check riskpane decisions against the ticket (four-eye rule)',
      ExecModule => 'RiskpaneFourEyes' },
);
@Scrips = (
    { Description => 'riskpane: four eyes enforced by RT', ScripCondition => 'On Transaction',
      ScripAction => 'riskpane four eyes', Template => 'Blank', Queue => 'Risk Review' },
);
1;
