#!/usr/bin/env bash
# Installs this build's artifacts into a scratch local repository and runs it/consumer, a project
# that depends on them through vmbackdoor-bom as a user would: a @SimulatedVm(scenario = ...) test,
# and a test that runs a deliberately failing test and checks the diagnosis in its report.
#
# The shared ~/.m2 is only read (as the tail of a chained local repository, Maven 3.9+), never
# written: the vmbackdoor artifacts, and anything Maven has to download, go to the scratch
# repository. Everything cached in ~/.m2 is used from there, so with MAVEN_ARGS=-o it runs offline.
#
# Usage: it/consumer.sh [scratch-repo]   (default target/consumer-m2 in this checkout)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="${1:-target/consumer-m2}"
shared="${HOME}/.m2/repository"
mkdir -p "$repo"
repo="$(cd "$repo" && pwd)"
if [ -d "$shared" ] && [ "$repo" -ef "$shared" ]; then
  echo "consumer: the scratch repository must not be $shared" >&2
  exit 2
fi
# only this project's artifacts are replaced; what was downloaded before stays
rm -rf "$repo/io/github/vmbackdoor"
version="$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -1)"
local_repo=(-Dmaven.repo.local="$repo" -Dmaven.repo.local.tail="$shared")
start=$(date +%s)
echo "consumer: installing vmbackdoor $version into $repo"
./mvnw -B -q install -DskipTests -Dspotless.check.skip=true "${local_repo[@]}"
echo "consumer: running the tests of it/consumer against it"
./mvnw -B -q -f it/consumer/pom.xml test -Dvmbackdoor.version="$version" "${local_repo[@]}"
echo "consumer: tests passed against vmbackdoor $version in $(($(date +%s) - start)) s"
