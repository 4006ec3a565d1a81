#!/bin/sh
# Deploy helper.
. ./lib/common.sh

TARGET=${1:-prod}
export VERBOSE=1

log() {
	echo "$*" >&2
}

function deploy_to {
	log "deploying to $1"
	run_remote "$1" "$TARGET"
}

deploy_to "$TARGET"
