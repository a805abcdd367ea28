#!/bin/busybox sh
# PID 1 of the guest that qemu-vmport.sh boots: loads the 9p modules, mounts the host's root
# read-only over 9p, and runs QemuVmportCheck in a chroot there with the host's own JDK and the
# project's jars; then powers the guest off. Everything it prints goes to the serial console,
# which qemu-vmport.sh reads. Settings come from /it.env, written by qemu-vmport.sh.
/bin/busybox mkdir -p /bin /proc /sys /dev /host
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
. /it.env

stop() {
  echo "=== AT $(cut -d' ' -f1 /proc/uptime)s: done"
  echo "=== DONE"
  sync
  poweroff -f
}

for m in $IT_MODULES; do
  if ! insmod "/modules/$m.ko"; then
    echo "=== GUEST ERROR insmod $m failed"
    stop
  fi
done
if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=524288,cache=loose "$IT_TAG" /host; then
  echo "=== GUEST ERROR mount of 9p share $IT_TAG failed"
  stop
fi
mount -t proc proc /host/proc
mount -t sysfs sysfs /host/sys
mount -t devtmpfs devtmpfs /host/dev
mount -t tmpfs tmpfs "/host$IT_TMP"

# run NAME [ARG]: one JVM; its output, then "=== EXIT NAME <status>".
run() {
  name=$1
  shift
  echo "=== AT $(cut -d' ' -f1 /proc/uptime)s: starting $name"
  echo "=== RUN $name"
  chroot /host /usr/bin/env -i PATH=/usr/bin:/bin HOME="$IT_TMP" \
    "$IT_JAVA" $IT_JAVA_OPTS -cp "$IT_CLASSPATH" io.github.vmbackdoor.core.QemuVmportCheck \
    "$IT_UUID" "$IT_MEMORY_MB" "$IT_VENDOR" "$@" 2>&1
  echo "=== EXIT $name $?"
}

run checks
for variant in $IT_BROKEN; do
  run "broken:$variant" "$variant"
done
stop
