#!/usr/bin/env bash
# Integration test of NativeBackdoor's real port instructions against QEMU's emulated VMware port
# (vmport), in a small Linux guest under TCG. See docs/native-backdoor.md, "Testing against QEMU".
#
# Exit 0 with one "qemu-vmport: SKIP: ..." line where it cannot run (not Linux x86-64, not root,
# QEMU or the guest kernel cannot be installed). Otherwise installs what is missing (Debian packages
# qemu-system-x86 and busybox-static; a linux-image package downloaded and unpacked, not
# installed), boots the guest with the host's root shared read-only over 9p, runs QemuVmportCheck
# there with the opt-in, and runs it again with each deliberately broken stub, which must fail.
# Exit 0 only when the real stubs pass every check and every broken one is caught.
#
# Needs the project built (./mvnw -B verify): backdoor-core/target/classes and the shaded
# host-simulator/target/vmbackdoor.jar (for JNA, Guava and Jackson).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
IT=$ROOT/backdoor-core/src/it
WORK=$ROOT/backdoor-core/target/qemu-vmport
CACHE=${VMBACKDOOR_IT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmbackdoor-it}
BOOT_TIMEOUT=${VMBACKDOOR_IT_TIMEOUT:-150}

UUID=564d5868-0b5c-4a1e-9f3d-7a6b5c4d3e2f
MEMORY_MB=512
VENDOR=TCGTCGTCGTCG
BROKEN="in-ebx-slot ins-std"
MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci 9pnet
  9pnet_virtio netfs fscache 9p"
TAG=hostroot
JAVA_OPTS_GUEST="-Xint -Xmx128m -XX:+UseSerialGC -XX:-UsePerfData"

say() { echo "qemu-vmport: $*"; }
skip() {
  say "SKIP: $*"
  exit 0
}
fail() {
  say "FAIL: $*"
  exit 1
}

START=$(date +%s)
[[ $(uname -s) == Linux && $(uname -m) == x86_64 ]] ||
  skip "needs Linux on x86-64, this is $(uname -s) $(uname -m)"
[[ $(id -u) == 0 ]] || skip "needs root (to install QEMU and give the guest the host's files)"

rm -rf "$WORK"
mkdir -p "$WORK" "$CACHE"

# ---- prerequisites -------------------------------------------------------------------------------
static_busybox() { [[ -x /bin/busybox ]] && ! ldd /bin/busybox >/dev/null 2>&1; }
missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
static_busybox || missing+=(busybox-static)
if ((${#missing[@]})); then
  command -v apt-get >/dev/null || skip "QEMU cannot be installed: no apt-get for ${missing[*]}"
  say "installing ${missing[*]}"
  if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends "${missing[@]}"; } >"$WORK/apt.log" 2>&1; then
    tail -3 "$WORK/apt.log"
    skip "QEMU cannot be installed: apt-get install ${missing[*]} failed"
  fi
  static_busybox || skip "QEMU cannot be installed: /bin/busybox is not static after install"
fi

kernel_package=$(apt-cache depends linux-image-amd64 2>/dev/null |
  awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }') || true
[[ -n $kernel_package ]] || skip "no guest kernel: apt-cache knows no linux-image-amd64"
KERNEL=$CACHE/$kernel_package
if [[ ! -f $KERNEL/ready ]]; then
  say "downloading and unpacking $kernel_package (not installed) into $KERNEL"
  rm -rf "$KERNEL" && mkdir -p "$KERNEL/deb" "$KERNEL/x"
  (cd "$KERNEL/deb" && apt-get download -q -o APT::Sandbox::User=root "$kernel_package") \
    >"$WORK/apt-download.log" 2>&1 || {
    tail -3 "$WORK/apt-download.log"
    skip "no guest kernel: apt-get download $kernel_package failed"
  }
  dpkg-deb --fsys-tarfile "$KERNEL"/deb/*.deb | tar -x -C "$KERNEL/x" --wildcards \
    './boot/vmlinuz-*' './lib/modules/*/modules.builtin' './lib/modules/*/kernel/drivers/virtio' \
    './lib/modules/*/kernel/net/9p' './lib/modules/*/kernel/fs'
  rm -rf "$KERNEL/deb"
  touch "$KERNEL/ready"
fi
vmlinuz=$(echo "$KERNEL"/x/boot/vmlinuz-*)
[[ -f $vmlinuz ]] || fail "no vmlinuz in $kernel_package"

# ---- the guest program ---------------------------------------------------------------------------
java_bin=$(readlink -f "$(command -v java)")
javac_bin=$(dirname "$java_bin")/javac
[[ -x $javac_bin ]] || fail "no javac beside $java_bin: the test needs a JDK"
classes=$ROOT/backdoor-core/target/classes
shaded=$ROOT/host-simulator/target/vmbackdoor.jar
[[ -d $classes && -f $shaded ]] ||
  fail "build the project first (./mvnw -B verify): $classes or $shaded is missing"
mapfile -t sources < <(find "$IT/java" -name '*.java')
"$javac_bin" -nowarn -d "$WORK/it-classes" -cp "$classes:$shaded" "${sources[@]}" ||
  fail "the guest program in $IT/java does not compile"

# ---- initramfs -----------------------------------------------------------------------------------
initrd=$WORK/initrd
mkdir -p "$initrd/bin" "$initrd/modules"
cp /bin/busybox "$initrd/bin/busybox"
install -m 755 "$IT/guest-init.sh" "$initrd/init"
builtin_list=$(echo "$KERNEL"/x/lib/modules/*/modules.builtin)
loaded=()
for m in $MODULES; do
  ko=$(find "$KERNEL/x/lib/modules" -name "$m.ko" | head -1)
  if [[ -n $ko ]]; then
    cp "$ko" "$initrd/modules/"
    loaded+=("$m")
  elif ! grep -q "/$m.ko\$" "$builtin_list"; then
    fail "kernel module $m is neither in $kernel_package nor built in"
  fi
done
# The guest mounts a tmpfs for the JVM's scratch files over a folder of the host's tree; choose
# one that holds neither the JDK nor the class path (a clone under /tmp must stay visible).
guest_paths="$java_bin:$classes:$WORK/it-classes:$shaded"
guest_tmp=
for candidate in /tmp /mnt /var/tmp /srv; do
  [[ -d $candidate ]] || continue
  case ":$guest_paths" in
    *":$candidate/"*) continue ;;
  esac
  guest_tmp=$candidate
  break
done
[[ -n $guest_tmp ]] || fail "no folder for the guest's scratch files outside the class path"
cat >"$initrd/it.env" <<EOF
IT_MODULES="${loaded[*]}"
IT_TAG=$TAG
IT_JAVA=$java_bin
IT_TMP=$guest_tmp
IT_JAVA_OPTS="${VMBACKDOOR_IT_JAVA_OPTS:-$JAVA_OPTS_GUEST} -Djava.io.tmpdir=$guest_tmp -Djna.tmpdir=$guest_tmp"
IT_CLASSPATH=$classes:$WORK/it-classes:$shaded
IT_UUID=$UUID
IT_MEMORY_MB=$MEMORY_MB
IT_VENDOR=$VENDOR
IT_BROKEN="$BROKEN"
EOF
(cd "$initrd" && find . | busybox cpio -o -H newc 2>/dev/null) >"$WORK/initrd.cpio"

# ---- boot ----------------------------------------------------------------------------------------
if [[ -e /dev/kvm ]]; then
  say "note: /dev/kvm exists; this test uses TCG only (KVM is not chosen by the device's presence)"
fi
serial=$WORK/serial.log
qemu_pid=
stop_qemu() {
  if [[ -n $qemu_pid ]] && kill -0 "$qemu_pid" 2>/dev/null; then
    kill "$qemu_pid" 2>/dev/null || true
    sleep 1
    kill -9 "$qemu_pid" 2>/dev/null || true
  fi
}
trap stop_qemu EXIT
trap 'stop_qemu; say "interrupted; QEMU stopped"; exit 130' INT TERM
say "booting $(basename "$vmlinuz") under TCG, -uuid $UUID, -m $MEMORY_MB"
qemu-system-x86_64 -machine pc,vmport=on -accel tcg -smp 2 -m "$MEMORY_MB" -uuid "$UUID" \
  -nodefaults -no-user-config -display none -monitor none -no-reboot \
  -serial "file:$serial" -kernel "$vmlinuz" -initrd "$WORK/initrd.cpio" \
  -append "console=ttyS0 quiet panic=-1" \
  -virtfs "local,path=/,mount_tag=$TAG,security_model=none,readonly=on,multidevs=remap" \
  >"$WORK/qemu.log" 2>&1 &
qemu_pid=$!
boot_start=$(date +%s)
while kill -0 "$qemu_pid" 2>/dev/null; do
  if (($(date +%s) - boot_start >= BOOT_TIMEOUT)); then
    stop_qemu
    tail -20 "$serial" 2>/dev/null || true
    fail "guest did not finish within ${BOOT_TIMEOUT}s"
  fi
  sleep 1
done
wait "$qemu_pid" || true
qemu_pid=
say "guest finished after $(($(date +%s) - boot_start))s"

# ---- verdict -------------------------------------------------------------------------------------
[[ -s $serial ]] || fail "no serial output; QEMU said: $(head -c 500 "$WORK/qemu.log")"
console=$WORK/console.log
tr -d '\r' <"$serial" >"$console"
# section NAME: the lines between "=== RUN NAME" and "=== EXIT NAME <status>".
section() {
  awk -v n="$1" '$0 == "=== RUN " n { on = 1; next }
    on && index($0, "=== EXIT " n " ") == 1 { exit } on' "$console"
}
status() { awk -v n="$1" 'index($0, "=== EXIT " n " ") == 1 { print $NF }' "$console"; }
matching() { grep -E "$1" <<<"$2" || true; }

problems=()
guest_error=$(matching '^=== GUEST ERROR' "$(cat "$console")")
[[ -z $guest_error ]] || problems+=("$guest_error")
out=$(section checks)
matching '^(CHECK|RESULT)' "$out" | sed 's/^/  /'
st=$(status checks)
if [[ $st != 0 || -z $(matching '^RESULT PASS' "$out") ]]; then
  problems+=("the real stubs did not pass every check (exit ${st:-none})")
fi
for variant in $BROKEN; do
  out=$(section "broken:$variant")
  st=$(status "broken:$variant")
  if [[ -z $st ]]; then
    problems+=("broken stub $variant: the guest never reported its end")
  elif [[ $st == 0 || -n $(matching '^RESULT PASS' "$out") ]]; then
    problems+=("broken stub $variant was NOT caught (exit $st)")
  else
    say "broken stub $variant caught (exit $st):"
    matching '^(BROKEN STUB|CHECK FAIL|RESULT|# +SIG|# +[A-Z]  \[)' "$out" | sed 's/^/  /'
  fi
done
elapsed=$(($(date +%s) - START))
if ((${#problems[@]})); then
  say "serial console: $console"
  for p in "${problems[@]}"; do say "problem: $p"; done
  fail "after ${elapsed}s"
fi
matching "^=== AT" "$(cat "$console")" | sed "s/^=== AT /  guest uptime /"
say "PASS in ${elapsed}s"
