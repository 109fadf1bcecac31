#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft, no ZooKeeper) from the jars on Maven Central.
#   broker.sh fetch                      download the pinned broker jars (pom.xml) once
#   broker.sh run DATA_DIR PORT [CPORT]  format DATA_DIR if new, then run the broker in the foreground
# KAFKA_VERSION picks another broker version (default: the one pinned in pom.xml, 3.9.1;
# 4.1.1 also passes the kafkajs smoke test). Used by the Jest global setup
# (test/support/kafka.ts) and for local runs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=${KAFKA_VERSION:-$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")}
libs="$here/target/libs-$version"

fetch() {
  if [ -f "$libs/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || { echo "broker.sh: Maven (mvn) is needed to fetch Kafka" >&2; exit 1; }
  command -v java >/dev/null || { echo "broker.sh: Java 17 is needed to run Kafka" >&2; exit 1; }
  rm -rf "$libs"
  mvn -q -B -f "$here/pom.xml" -Dkafka.version="$version" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$libs" >&2
  touch "$libs/.complete"
}

run() {
  local dir=$1 port=$2 cport=${3:-$(( $2 + 1 ))}
  fetch
  mkdir -p "$dir"
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.flush.interval.messages=9223372036854775807
PROPS
  local java_opts=(-Xms256m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
    "-Dlog4j.configuration=file:$here/log4j.properties")
  if [ ! -f "$dir/data/meta.properties" ]; then
    java "${java_opts[@]}" -cp "$libs/*" kafka.tools.StorageTool format \
      -t "$(java "${java_opts[@]}" -cp "$libs/*" kafka.tools.StorageTool random-uuid)" -c "$dir/server.properties" >&2
  fi
  exec java "${java_opts[@]}" -cp "$libs/*" kafka.Kafka "$dir/server.properties"
}

case "${1:-}" in
  fetch) fetch ;;
  run) shift; run "$@" ;;
  *) echo "usage: broker.sh fetch | run DATA_DIR PORT [CONTROLLER_PORT]" >&2; exit 2 ;;
esac
