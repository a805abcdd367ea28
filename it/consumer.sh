#!/usr/bin/env bash
# Installs this build's artifacts into a scratch local repository and runs it/consumer, a project
# that depends on them through vmbackdoor-bom as a user would. The shared ~/.m2 is only read (as
# the tail of a chained local repository, Maven 3.9+), never written, so it runs offline beside
# other builds. Usage: it/consumer.sh [scratch-repo]   (default /tmp/consumer-m2)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="${1:-/tmp/consumer-m2}"
shared="${HOME}/.m2/repository"
rm -rf "$repo"
mkdir -p "$repo"
version="$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -1)"
start=$(date +%s)
./mvnw -B -q -o install -DskipTests -Dspotless.check.skip=true \
  -Dmaven.repo.local="$repo" -Dmaven.repo.local.tail="$shared"
./mvnw -B -q -o -f it/consumer/pom.xml test -Dvmbackdoor.version="$version" \
  -Dmaven.repo.local="$repo" -Dmaven.repo.local.tail="$shared"
echo "consumer: tests passed against vmbackdoor $version in $(( $(date +%s) - start )) s"
