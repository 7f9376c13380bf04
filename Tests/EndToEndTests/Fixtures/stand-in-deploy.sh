#!/bin/sh
# A stand-in deployment tool for rekey's end-to-end tests, used as an exec target:
#
#   stand-in-deploy.sh STORE ENVFILE set NAME     the value arrives on standard input
#   stand-in-deploy.sh STORE ENVFILE unset NAME
#
# It appends its argv and environment to STORE/received.log (which the secret scan searches: a value
# must never arrive there), keeps each value it reads in STORE/stdin/N (where values belong; not
# scanned), and applies the change to ENVFILE, the dotenv file the sandbox app runs with after a
# redeploy. With STAND_IN_FAIL=NAME in its environment it fails for NAME the way a careless tool
# might: it prints the value, its base64 and its hex to standard error and exits 1, so that the test
# can check that rekey scrubs them.
set -eu
store=$1
envfile=$2
action=$3
name=$4
mkdir -p "$store/stdin"
{
    printf 'argv:'
    for word in "$@"; do printf ' %s' "$word"; done
    printf '\n'
    env | sed 's/^/env: /'
} >> "$store/received.log"

value=$(cat)
if [ "$action" = set ]; then
    count=$(ls "$store/stdin" | wc -l)
    printf '%s' "$value" > "$store/stdin/$((count + 1))"
    if [ -z "$value" ]; then
        echo "stand-in: refusing an empty value for $name" >&2
        exit 2
    fi
    if [ "${STAND_IN_FAIL:-}" = "$name" ]; then
        echo "stand-in: the API rejected $name=$value" >&2
        echo "stand-in: payload $(printf '%s' "$value" | base64 | tr -d '\n')" >&2
        echo "stand-in: bytes $(printf '%s' "$value" | od -An -v -tx1 | tr -d ' \n')" >&2
        exit 1
    fi
fi

temporary="$envfile.stand-in.$$"
grep -v "^$name=" "$envfile" > "$temporary" || true
if [ "$action" = set ]; then printf '%s=%s\n' "$name" "$value" >> "$temporary"; fi
mv "$temporary" "$envfile"
echo "stand-in: $action $name done"
