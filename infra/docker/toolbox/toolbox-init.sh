#!/bin/sh
# PID 1 of a learner's toolbox container: writes the session's kubeconfig into the
# private (tmpfs) home, then idles. Terminals are `docker exec`s into it.
set -eu
umask 077
mkdir -p "$HOME/.kube"
if [ -n "${PARANOID_KUBECONFIG_B64:-}" ]; then
  printf '%s' "$PARANOID_KUBECONFIG_B64" | base64 -d > "$HOME/.kube/config"
fi
printf 'export PS1="learner@paranoid:\\w\\$ "\nalias k=kubectl\n' > "$HOME/.profile"
exec sleep 2147483647
