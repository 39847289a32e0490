#!/usr/bin/perl
# The sandbox's network namespace, made ready before bubblewrap runs (see README.md,
# "The terminal's network"). Run as root of a fresh user namespace that owns a fresh network
# namespace (`unshare --user --map-root-user --net`): it brings loopback up and puts the
# session's node addresses on it, so the learner's `nc NODE PORT` lands on the relay's
# listeners instead of "no route to host". Then it execs bubblewrap, whose own user namespace
# is a child of this one: the learner's shell holds no capability over this network.
#
#   sandbox-netns.pl ADDRESS... -- COMMAND ARGS...
#
# No modules (see sandbox-relay.pl); rtnetlink and the ioctl are written out, Linux's numbers.
use strict;
use warnings;

sub AF_INET () { 2 }
sub AF_NETLINK () { 16 }
sub SOCK_DGRAM () { 2 }
sub SOCK_RAW () { 3 }
sub SIOCGIFFLAGS () { 0x8913 }
sub SIOCSIFFLAGS () { 0x8914 }
sub IFF_UP () { 1 }
sub RTM_NEWADDR () { 20 }
sub NLMSG_ERROR () { 2 }
sub NLM_F_REQUEST () { 1 }
sub NLM_F_ACK () { 4 }
sub NLM_F_EXCL () { 0x200 }
sub NLM_F_CREATE () { 0x400 }
sub IFA_ADDRESS () { 1 }
sub IFA_LOCAL () { 2 }
# A new network namespace's loopback is always its first interface.
sub LOOPBACK_INDEX () { 1 }

my (@addresses, @command);
while (@ARGV) {
  my $arg = shift @ARGV;
  if ($arg eq '--') { @command = @ARGV; last }
  die "netns: not an IPv4 address: $arg\n" unless $arg =~ /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/ && !grep { $_ > 255 } ($1, $2, $3, $4);
  push @addresses, $arg;
}
die "usage: sandbox-netns.pl ADDRESS... -- COMMAND...\n" unless @command;

socket(my $ioc, AF_INET, SOCK_DGRAM, 0) or die "netns: socket: $!\n";
my $ifr = pack('a16 s x22', 'lo', 0);
ioctl($ioc, SIOCGIFFLAGS, $ifr) or die "netns: loopback flags: $!\n";
my $flags = unpack('x16 s', $ifr);
ioctl($ioc, SIOCSIFFLAGS, pack('a16 s x22', 'lo', $flags | IFF_UP)) or die "netns: loopback up: $!\n";
close $ioc;

if (@addresses) {
  socket(my $nl, AF_NETLINK, SOCK_RAW, 0) or die "netns: netlink: $!\n";
  my $kernel = pack('S x2 L L', AF_NETLINK, 0, 0);
  bind($nl, $kernel) or die "netns: netlink bind: $!\n";
  my $seq = 0;
  for my $address (@addresses) {
    my $ip = pack('C4', split /\./, $address);
    my $payload = pack('C C C C L', AF_INET, 32, 0, 0, LOOPBACK_INDEX)
      . pack('S S a4', 8, IFA_LOCAL, $ip) . pack('S S a4', 8, IFA_ADDRESS, $ip);
    my $flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    send($nl, pack('L S S L L', 16 + length($payload), RTM_NEWADDR, $flags, ++$seq, 0) . $payload, 0, $kernel)
      or die "netns: add $address: $!\n";
    defined recv($nl, my $ack, 4096, 0) or die "netns: add $address: $!\n";
    my (undef, $type) = unpack('L S', $ack);
    my $error = $type == NLMSG_ERROR ? unpack('x16 l', $ack) : 0;
    die "netns: add $address: error " . -$error . "\n" if $error;
  }
  close $nl;
}
exec { $command[0] } @command or die "netns: exec $command[0]: $!\n";
