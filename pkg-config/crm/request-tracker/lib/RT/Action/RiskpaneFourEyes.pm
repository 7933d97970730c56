# riskpane's four-eye rule enforced by Request Tracker itself (installed by rt-up.sh into
# /usr/local/share/request-tracker5/lib/RT/Action/, run by the scrip "riskpane: four eyes" of
# initialdata.pl on every transaction of the "Risk Review" queue). For a comment that carries a
# decision block, a status change, or a change of "Decision State" or "Risk Band", it hands what
# RT knows about the ticket (custom fields, first message, history, the staff comments with
# decision blocks and their RT authors, the experts group, the change) to `riskpane rt-verdict`,
# which re-derives every record from the ticket's own data with the care pack. A refused record
# gets a note (a comment by RT_System naming the transaction, which the widget's read-back
# honours); so does a record that repeats an earlier one word for word (a resend whose first copy
# had landed: it counts once); a refused change is reverted and explained in a note. It fails closed: when the
# verdict cannot be had, guarded changes are reverted too. Its own notes and reverts (by
# RT_System) are not checked again.
package RT::Action::RiskpaneFourEyes;

use strict;
use warnings;
use base 'RT::Action';
use IPC::Open3 qw(open3);
use JSON ();
use Symbol qw(gensym);

use constant BLOCK_START => '-----BEGIN RISKPANE DECISION-----';
use constant EXPERTS => 'Risk Experts';
use constant COMMUNICATIONS => 'Communications';
use constant GUARDED_FIELDS => ('Decision State', 'Risk Band');

sub Prepare {
    my $self = shift;
    my $txn = $self->TransactionObj;
    return 0 if $txn->Creator == RT->SystemUser->id;
    my $type = $txn->Type;
    return index($txn->Content // '', BLOCK_START) >= 0 ? 1 : 0 if $type eq 'Comment';
    return 1 if $type eq 'Status';
    if ($type eq 'CustomField') {
        my $name = $self->FieldName;
        return scalar grep { $_ eq $name } GUARDED_FIELDS;
    }
    return 0;
}

sub FieldName {
    my $self = shift;
    my $field = RT::CustomField->new(RT->SystemUser);
    $field->Load($self->TransactionObj->Field);
    return $field->id ? $field->Name : '';
}

sub Commit {
    my $self = shift;
    my $txn = $self->TransactionObj;
    my $ticket = RT::Ticket->new(RT->SystemUser);
    $ticket->Load($self->TicketObj->id);
    my $change = $self->Change($ticket);
    my ($verdict, $failure) = $self->Verdict($ticket, $change);
    unless ($verdict) {
        RT->Logger->error("riskpane: no verdict for ticket " . $ticket->id . ": $failure");
        if ($change) {
            $self->Revert($ticket, $change, "riskpane could not check this change ($failure)");
        } else {
            # A record that could not be checked does not count either (the same note as a refusal).
            my ($content, $id) = ($txn->Content // '', '');
            $id = $1 while $content =~ /\Q${\ BLOCK_START}\E\s*\{\s*"id"\s*:\s*"([^"]*)"/g;   # the last block is the record
            $ticket->Comment(Content => "riskpane: Request Tracker refused the decision record of transaction #"
                . $txn->id . ".\nReason: riskpane could not check it ($failure)\n\n"
                . "RISKPANE DECISION REFUSED: transaction " . $txn->id . ", decision $id\n");
        }
        return 1;
    }
    # Refused records, and repeats (a resend whose first copy had landed, counted once: RT cannot
    # undo a write), each get RT's note.
    for my $record (@{ $verdict->{refused} || [] }, @{ $verdict->{repeated} || [] }) {
        next unless $record->{transaction} eq $txn->id;
        $ticket->Comment(Content => $record->{note});
    }
    if ($change && defined $verdict->{change_refused}) {
        $self->Revert($ticket, $change, $verdict->{change_refused});
    }
    return 1;
}

# The change this transaction made, in the verdict's terms; undef for a comment.
sub Change {
    my ($self, $ticket) = @_;
    my $txn = $self->TransactionObj;
    my $author = $txn->CreatorObj->Name;
    if ($txn->Type eq 'Status') {
        return { field => 'Status', old => $txn->OldValue // '', new => $txn->NewValue // '', author => $author,
                 closing => ($ticket->LifecycleObj->IsInactive($txn->NewValue // '') ? JSON::true : JSON::false),
                 field_id => undef };
    }
    if ($txn->Type eq 'CustomField') {
        return { field => $self->FieldName, old => $txn->OldValue // '', new => $txn->NewValue // '',
                 author => $author, closing => JSON::false, field_id => $txn->Field };
    }
    return undef;
}

# Puts the value back as RT_System (its own transactions are not checked again) and says why.
sub Revert {
    my ($self, $ticket, $change, $reason) = @_;
    if ($change->{field} eq 'Status') {
        # _SetStatus: lifecycles do not allow every way back (resolved -> new), a revert must.
        $ticket->_SetStatus(Status => $change->{old}) if $change->{old} ne '';
    } elsif ($change->{old} eq '') {
        $ticket->DeleteCustomFieldValue(Field => $change->{field_id}, Value => $change->{new});
    } else {
        $ticket->AddCustomFieldValue(Field => $change->{field_id}, Value => $change->{old});
    }
    my $shown_new = $change->{new} eq '' ? '(empty)' : $change->{new};
    my $shown_old = $change->{old} eq '' ? '(empty)' : $change->{old};
    $ticket->Comment(Content => "riskpane: Request Tracker reverted $change->{field} from $shown_new to $shown_old "
        . "(change by $change->{author}, transaction #" . $self->TransactionObj->id . ").\nReason: $reason\n");
}

# Runs `riskpane rt-verdict` on what RT knows about the ticket; (verdict) or (undef, why).
sub Verdict {
    my ($self, $ticket, $change) = @_;
    my $dir = RT->Config->Get('RiskpaneDir') || '/usr/local/lib/riskpane';
    my %fields;
    my $custom_fields = $ticket->CustomFields;
    while (my $cf = $custom_fields->Next) {
        my $values = $ticket->CustomFieldValues($cf->id);
        my @values;
        while (my $value = $values->Next) { push @values, $value->Content }
        $fields{ $cf->Name } = \@values;
    }
    my (@history, @comments);
    my $transactions = $ticket->Transactions;
    $transactions->OrderBy(FIELD => 'id', ORDER => 'ASC');
    my $first;
    while (my $t = $transactions->Next) {
        $first //= $t;
        push @history, { Type => $t->Type, Created => $t->CreatedObj->W3CDTF };
        next unless $t->Type eq 'Comment';
        # Records are text/plain, as the widget writes them and its read-back reads them.
        my $part = $t->ContentObj;
        next unless $part && lc($part->ContentType // '') eq 'text/plain';
        my $content = $part->Content // '';
        next unless index($content, BLOCK_START) >= 0;
        my $user = $t->CreatorObj;
        push @comments, { transaction => '' . $t->id, author => $user->Name, author_name => $user->RealName // '',
                          privileged => ($user->Privileged ? JSON::true : JSON::false), content => $content };
    }
    my $members_of = sub {
        my @names;
        my $group = RT::Group->new(RT->SystemUser);
        $group->LoadUserDefinedGroup(shift);
        if ($group->id) {
            my $members = $group->UserMembersObj;
            while (my $member = $members->Next) { push @names, $member->Name }
        }
        return \@names;
    };
    my $experts = $members_of->(EXPERTS);
    my $communications = $members_of->(COMMUNICATIONS);
    my %evidence = (
        now => time,
        ticket => { id => $ticket->id, subject => $ticket->Subject, status => $ticket->Status,
                    queue => $ticket->QueueObj->Name, created => $ticket->CreatedObj->W3CDTF,
                    customFields => \%fields, message => ($first ? ($first->Content // '') : '') },
        history => \@history, experts => $experts, communications => $communications, comments => \@comments,
        ($change ? (change => { map { $_ => $change->{$_} } qw(field old new author closing) }) : ()),
    );
    my $input = JSON::to_json(\%evidence);
    my @command = ("$dir/riskpane", 'rt-verdict', '--pack', "$dir/care.toml", '--profile', "$dir/request-tracker.toml");
    my ($to, $from, $errors) = (undef, undef, gensym);
    my $pid = eval { open3($to, $from, $errors, @command) };
    return (undef, "cannot run $command[0]: $@") unless $pid;
    binmode $to, ':encoding(UTF-8)';
    print {$to} $input;
    close $to;
    my $output = do { local $/; <$from> } // '';
    my $stderr = do { local $/; <$errors> } // '';
    waitpid $pid, 0;
    return (undef, "rt-verdict exited with " . ($? >> 8) . ": $stderr") if $?;
    my $verdict = eval { JSON::decode_json($output) };
    return (undef, "rt-verdict answered no JSON: $output") unless ref $verdict eq 'HASH';
    return ($verdict);
}

1;
