# Says whether RT's database carries the current riskpane seed (run as www-data by rt-up.sh):
# exit 0 = seeded and current, 1 = not seeded, 3 = seeded by an older riskpane (the rights on
# "Decision State" differ, the Communications group, the Fraud Advisory queue, the four-eye scrip,
# the requestors' reply right or the agent's "Service Provider" is missing), so the test database must be rebuilt. (Perl itself exits 2 when it
# cannot read a script, so 2 is not used.)
use strict;
use warnings;
use lib '/usr/local/share/request-tracker5/lib', '/usr/share/request-tracker5/lib';
use RT;
RT::LoadConfig();
RT::Init();
my $agent = RT::User->new(RT->SystemUser);
$agent->Load('widget-agent');
exit 1 unless $agent->id;
my $field = RT::CustomField->new(RT->SystemUser);
$field->LoadByName(Name => 'Decision State', LookupType => 'RT::Queue-RT::Ticket');
my $experts = RT::Group->new(RT->SystemUser);
$experts->LoadUserDefinedGroup('Risk Experts');
exit 3 unless $field->id && $experts->id;
my $experts_may = $experts->PrincipalObj->HasRight(Right => 'ModifyCustomField', Object => $field);
my $communications = RT::Group->new(RT->SystemUser);
$communications->LoadUserDefinedGroup('Communications');
exit 3 unless $communications->id
    && $communications->PrincipalObj->HasRight(Right => 'ModifyCustomField', Object => $field);
my $agent_may = $agent->PrincipalObj->HasRight(Right => 'ModifyCustomField', Object => $field);
my $action = RT::ScripAction->new(RT->SystemUser);
$action->Load('riskpane four eyes');
exit 3 unless $action->id;
# Customers (the queue's requestors) may answer by e-mail.
my $queue = RT::Queue->new(RT->SystemUser);
$queue->Load('Risk Review');
my $requestors = RT::Group->new(RT->SystemUser);
$requestors->LoadRoleGroup(Object => $queue, Name => 'Requestor') if $queue->id;
my $advisory = RT::Queue->new(RT->SystemUser);
$advisory->Load('Fraud Advisory');
exit 3 unless $advisory->id;
exit 3 unless ($agent->FirstCustomFieldValue('Service Provider') // '') ne '';
exit 3 unless $requestors->id && $requestors->PrincipalObj->HasRight(Right => 'ReplyToTicket', Object => $queue);
exit(($experts_may && !$agent_may) ? 0 : 3);
