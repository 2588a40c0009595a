#!/bin/sh
# Stands in for `concurrency-lab serve`: announces a port on --ready-fd, then ignores SIGTERM, as
# a wedged server would. The driver must kill it after the grace period and say so.
trap '' TERM
while [ $# -gt 0 ]; do
  [ "$1" = --ready-fd ] && fd=$2
  shift
done
[ -n "$fd" ] && eval "echo 9 >&$fd" && eval "exec $fd>&-"
exec sleep 300
