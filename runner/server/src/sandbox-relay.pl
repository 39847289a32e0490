#!/usr/bin/perl
# The learner's network, inside the sandbox (see README.md, "The terminal's network").
#
# The sandbox has its own network namespace with only loopback. This relay listens
# on 127.0.0.1 ports there and carries each connection over a Unix socket that the
# runner bound into the sandbox; the runner decides where it may go. The learner's
# shell then replaces this process, and the relay goes on as its child.
#
#   sandbox-relay.pl PORT=SOCKET... [nodes=SOCKET] CONTROL_SOCKET -- COMMAND ARGS...
#
# With `nodes=SOCKET`, the runner sends lines `listen ADDRESS:PORT...` on the control
# connection: the node addresses (already on loopback, see sandbox-netns.pl) and the ports
# that may answer there (NodePorts, hostPorts). The relay keeps one listener for each, and
# carries each connection to SOCKET after a first line `ADDRESS PORT`, so the runner knows
# where the learner meant to go.
#
# Perl because it is in every Debian (perl-base is Essential) and small: one process
# of about 4 MB for the accept loop, plus a fork per open connection. No modules: loading
# Socket and POSIX took longer than the rest of the sandbox's start, so the few constants
# (Linux's, as bubblewrap is Linux only) and address layouts are written out here.
use strict;
use warnings;

sub AF_UNIX () { 1 }
sub AF_INET () { 2 }
sub SOCK_STREAM () { 1 }
sub SOL_SOCKET () { 1 }
sub SO_REUSEADDR () { 2 }
sub SHUT_WR () { 1 }
sub EINTR () { 4 }
sub sockaddr_in_loopback { pack('S n C4 x8', AF_INET, $_[0], 127, 0, 0, 1) }
sub sockaddr_in_address { pack('S n C4 x8', AF_INET, $_[1], split(/\./, $_[0])) }
# Listeners the runner may ask for at once (the sandbox's nofile limit is 512).
sub MAX_NODE_LISTENERS () { 128 }
sub sockaddr_un { pack('S a108', AF_UNIX, $_[0]) }

my (@routes, $nodes, $control, @command);
while (@ARGV) {
  my $arg = shift @ARGV;
  if ($arg eq '--') { @command = @ARGV; last }
  if ($arg =~ /^(\d+)=(.+)$/) { push @routes, [$1, $2] }
  elsif ($arg =~ /^nodes=(.+)$/) { $nodes = $1 }
  else { $control = $arg }
}
die "usage: sandbox-relay.pl PORT=SOCKET... CONTROL -- COMMAND...\n" unless @routes && $control && @command;

my %by_fileno;
for my $route (@routes) {
  my ($port, $path) = @$route;
  socket(my $listener, AF_INET, SOCK_STREAM, 0) or die "relay: socket: $!\n";
  setsockopt($listener, SOL_SOCKET, SO_REUSEADDR, 1);
  bind($listener, sockaddr_in_loopback($port)) or die "relay: bind 127.0.0.1:$port: $!\n";
  listen($listener, 64) or die "relay: listen: $!\n";
  $by_fileno{fileno $listener} = [$listener, $path, ''];
}

# The control connection stays open for the relay's life: when it closes, the runner
# knows the relay is gone and says so in the terminal.
socket(my $ctl, AF_UNIX, SOCK_STREAM, 0) or die "relay: socket: $!\n";
connect($ctl, sockaddr_un($control)) or die "relay: connect $control: $!\n";

# The shell keeps this process's pid (bwrap's child), so it ends the sandbox when it
# exits; the relay is its child. A learner who kills the relay loses only the network,
# and the runner, seeing the control connection close, says so in the terminal.
my $relay = fork() // die "relay: fork: $!\n";
if ($relay != 0) {
  close $_->[0] for values %by_fileno;
  close $ctl;
  exec { $command[0] } @command or die "relay: exec $command[0]: $!\n";
}

open(STDIN, '<', '/dev/null');
open(STDOUT, '>', '/dev/null');
open(STDERR, '>', '/dev/null');
# Job control signals belong to the shell's jobs, not to the relay; children are reaped by the kernel.
$SIG{$_} = 'IGNORE' for qw(INT QUIT TSTP TTIN TTOU HUP PIPE CHLD);
# Node listeners by `ADDRESS:PORT`, as the runner last asked for them.
my %node_listeners;
my $ctl_buffer = '';
my $ctl_open = defined $nodes;
while (1) {
  my $rin = '';
  vec($rin, $_, 1) = 1 for keys %by_fileno;
  vec($rin, fileno $ctl, 1) = 1 if $ctl_open;
  my $n = select(my $rout = $rin, undef, undef, undef);
  next if $n <= 0;
  if ($ctl_open && vec($rout, fileno $ctl, 1)) {
    my $got = sysread($ctl, $ctl_buffer, 65536, length $ctl_buffer);
    if (!$got) { $ctl_open = 0 }
    $ctl_buffer = '' if length $ctl_buffer > 65536;
    while ($ctl_buffer =~ s/^([^\n]*)\n//) {
      my $line = $1;
      set_node_listeners(split / /, $line) if $line =~ s/^listen ?//;
    }
  }
  for my $fn (keys %by_fileno) {
    next unless vec($rout, $fn, 1);
    my ($listener, $path, $first) = @{ $by_fileno{$fn} };
    accept(my $client, $listener) or next;
    my $pid = fork();
    if (!defined $pid) { close $client; next }
    if ($pid == 0) {
      close $_->[0] for values %by_fileno;
      close $ctl;
      pipe_connection($client, $path, $first);
      exit 0;
    }
    close $client;
  }
}

# Listens on exactly these `ADDRESS:PORT`s: new ones are opened, gone ones closed. An address
# that is not on loopback, or a port in use, is skipped: nothing would answer there anyway.
sub set_node_listeners {
  my %want;
  for my $spec (@_) {
    next unless $spec =~ /^(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}):(\d{1,5})$/ && $2 > 0 && $2 < 65536;
    last if keys %want >= MAX_NODE_LISTENERS;
    $want{$spec} = [$1, $2];
  }
  for my $spec (keys %node_listeners) {
    next if $want{$spec};
    my $listener = delete $node_listeners{$spec};
    delete $by_fileno{fileno $listener};
    close $listener;
  }
  for my $spec (keys %want) {
    next if $node_listeners{$spec};
    my ($address, $port) = @{ $want{$spec} };
    socket(my $listener, AF_INET, SOCK_STREAM, 0) or next;
    setsockopt($listener, SOL_SOCKET, SO_REUSEADDR, 1);
    bind($listener, sockaddr_in_address($address, $port)) or next;
    listen($listener, 16) or next;
    $node_listeners{$spec} = $listener;
    $by_fileno{fileno $listener} = [$listener, $nodes, "$address $port\n"];
  }
}

# Copies bytes both ways until both sides have finished, passing half-closes on.
sub pipe_connection {
  my ($client, $path, $first) = @_;
  socket(my $upstream, AF_UNIX, SOCK_STREAM, 0) or return;
  connect($upstream, sockaddr_un($path)) or return;
  if (length $first) { syswrite($upstream, $first) or return }
  my %peer = (fileno $client => $upstream, fileno $upstream => $client);
  my %open = (fileno $client => $client, fileno $upstream => $upstream);
  while (%open) {
    my $rin = '';
    vec($rin, $_, 1) = 1 for keys %open;
    my $n = select(my $rout = $rin, undef, undef, undef);
    next if $n < 0 && $! == EINTR;
    return if $n < 0;
    for my $fn (keys %open) {
      next unless vec($rout, $fn, 1);
      my $got = sysread($open{$fn}, my $buffer, 65536);
      if (!$got) {
        shutdown($peer{$fn}, SHUT_WR);
        delete $open{$fn};
        next;
      }
      for (my $off = 0; $off < $got;) {
        my $wrote = syswrite($peer{$fn}, $buffer, $got - $off, $off);
        return unless $wrote;
        $off += $wrote;
      }
    }
  }
}
