#!/usr/bin/env bash
# Runs the kernel, matmul and model tests on an emulated AVX-512 CPU, so the
# AVX-512 paths are tested on machines that lack AVX-512 (QEMU's TCG cannot
# execute EVEX code; Bochs can). Boots Debian's kernel in Bochs (Skylake-X CPU
# model) from an ISO whose initramfs holds static test binaries and
# scripts/emuinit as /init, then checks what the guest printed on its serial
# console: that the kernel enabled AVX-512 and that every test binary passed,
# with the asm tests' avx512 subtests among them.
#
# Usage: bash scripts/test-avx512-emu.sh [PKG ...]      (default: asm tensor nn)
# Environment:
#   EMU_CACHE    where the downloaded kernel is kept (default ~/.cache/rltrain-emu)
#   EMU_TIMEOUT  seconds before the emulator is killed (default 2700)
#   EMU_KEEP=1   keep the work directory (ISO, bochsrc, serial log) and print it
#   EMU_TEST_RUN a -test.run pattern (no spaces) for every package, to run a few tests
#
# Needs root (or sudo) for apt-get the first time: bochs, bochsbios, vgabios,
# isolinux, syslinux-common, xorriso, cpio, and the linux-image-amd64 package's
# kernel (downloaded, not installed). Takes about 3 minutes to boot plus the
# tests at roughly 1/100 of native speed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(asm tensor nn)
cache=${EMU_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/rltrain-emu}
limit=${EMU_TIMEOUT:-2700}

# The arguments of each package's test binary in the guest. Emulation runs
# about 1/400 of native speed, so the guest runs what the AVX-512 path changes
# and leaves the rest to `make test`: the kernel tests on the avx512 path only
# (RLTRAIN_TEST_PATHS on the kernel command line; avx2 and generic are tested
# natively), every matmul test (the 14×32 tile has its own blocking), and the
# model tests but the slowest three (finite differences of the whole model and
# of attention, 2.6 and 0.8 s natively, whose parts are checked one by one; the
# sampler's frequency test, which runs no kernel), the PyTorch comparison
# (needs python3) and the assembly freshness test (needs the Go toolchain).
declare -A pkg_args=(
  [asm]="-test.v -test.timeout 60m -test.skip TestGeneratedAssemblyFresh"
  [tensor]="-test.v -test.short -test.timeout 60m"
  [nn]="-test.v -test.short -test.timeout 60m -test.skip TestTorchReference|TestModelGrad|TestAttentionGrad|TestSamplerFrequencies"
)

say() { echo "test-avx512-emu: $*"; }
die() { echo "test-avx512-emu: $*" >&2; exit 1; }

# 1. Tools.
apt_pkgs=(bochs bochsbios vgabios isolinux syslinux-common xorriso cpio)
missing=()
for p in "${apt_pkgs[@]}"; do
  # dpkg -s also succeeds for a removed package whose config files remain.
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  say "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  aptlog=$(mktemp)
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" > "$aptlog" 2>&1 ||
    { cat "$aptlog"; die "apt-get install ${missing[*]} failed"; }
  rm -f "$aptlog"
fi
bios=/usr/share/bochs/BIOS-bochs-latest
vgabios=/usr/share/vgabios/vgabios.bin
isolinux=/usr/lib/ISOLINUX/isolinux.bin
ldlinux=/usr/lib/syslinux/modules/bios/ldlinux.c32
for f in "$bios" "$vgabios" "$isolinux" "$ldlinux"; do [ -f "$f" ] || die "missing $f after install"; done

# 2. A kernel: Debian's current linux-image-amd64, downloaded once.
mkdir -p "$cache"
if [ ! -s "$cache/vmlinuz" ]; then
  [ -n "$(apt-cache policy linux-image-amd64 2>/dev/null)" ] || $SUDO apt-get update -qq
  kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')
  [ -n "$kpkg" ] || die "apt-cache depends linux-image-amd64 names no kernel package"
  say "downloading $kpkg"
  dl=$(mktemp -d)
  chmod 777 "$dl" # apt-get download drops to the _apt user where it can
  (cd "$dl" && apt-get download -qq "$kpkg" 2>/dev/null) || die "apt-get download $kpkg failed"
  deb=$(ls "$dl"/*.deb)
  mkdir -p "$dl/x"
  dpkg-deb -x "$deb" "$dl/x"
  cp "$dl"/x/boot/vmlinuz-* "$cache/vmlinuz.tmp" && mv "$cache/vmlinuz.tmp" "$cache/vmlinuz"
  rm -rf "$dl"
fi

# 3. The initramfs: /init, /dev nodes, one folder per test package.
work=$(mktemp -d)
cleanup() {
  [ -n "${bochs_pid:-}" ] && kill "$bochs_pid" 2>/dev/null || true
  if [ "${EMU_KEEP:-}" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
root=$work/root
mkdir -p "$root/dev" "$root/proc" "$root/tmp" "$root/pkg" "$work/iso/isolinux"
CGO_ENABLED=0 go build -o "$root/init" ./scripts/emuinit
for p in "${pkgs[@]}"; do
  [ -d "$repo/$p" ] || die "no package directory $p"
  mkdir -p "$root/pkg/$p"
  CGO_ENABLED=0 go test -c -o "$root/pkg/$p/$p.test" "./$p"
  [ -f "$root/pkg/$p/$p.test" ] || die "package $p has no tests"
  [ -d "$repo/$p/testdata" ] && cp -r "$repo/$p/testdata" "$root/pkg/$p/"
  args=${pkg_args[$p]:--test.v -test.short -test.timeout 60m}
  [ -n "${EMU_TEST_RUN:-}" ] && args="$args -test.run $EMU_TEST_RUN"
  echo "$args" > "$root/pkg/$p/args"
done
mknod "$root/dev/console" c 5 1 2>/dev/null || $SUDO mknod "$root/dev/console" c 5 1
mknod "$root/dev/null" c 1 3 2>/dev/null || $SUDO mknod "$root/dev/null" c 1 3
(cd "$root" && find . | cpio -o -H newc --quiet > "$work/iso/initrd.img")

# 4. A bootable ISO. clearcpuid=321,323 hides XSAVEC and XSAVES: Bochs 2.7
# reports the standard XSAVE size for the compacted format, and a kernel that
# sees the mismatch turns AVX off altogether. Words with = that the kernel does
# not know become init's environment.
cp "$cache/vmlinuz" "$work/iso/vmlinuz"
cp "$isolinux" "$ldlinux" "$work/iso/isolinux/"
cat > "$work/iso/isolinux/isolinux.cfg" <<'EOF'
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL /vmlinuz
  APPEND initrd=/initrd.img console=ttyS0,115200 panic=0 clearcpuid=321,323 mitigations=off RLTRAIN_TEST_PATHS=avx512
EOF
xorriso -as mkisofs -quiet -o "$work/test.iso" -b isolinux/isolinux.bin -c isolinux/boot.cat \
  -no-emul-boot -boot-load-size 4 -boot-info-table "$work/iso" 2>/dev/null

# 5. Boot it. The Debian build of Bochs has its debugger on and stops at the
# first instruction: "c" on standard input continues. The speaker and sound
# card stay off: with ALSA but no sound card, Bochs aborts at start-up.
cat > "$work/bochsrc" <<EOF
megs: 1024
cpu: model=corei7_skylake_x, count=1, ips=100000000
romimage: file=$bios
vgaromimage: file=$vgabios
ata0-master: type=cdrom, path=$work/test.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$work/serial.log
display_library: rfb, options="timeout=0"
log: $work/bochs.log
clock: sync=none
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
EOF
say "booting the emulated Skylake-X (packages: ${pkgs[*]}; limit ${limit}s)"
start=$(date +%s)
(printf 'c\n' | bochs -q -f "$work/bochsrc" > "$work/bochs.out" 2>&1) &
bochs_pid=$!
shown=0
while kill -0 "$bochs_pid" 2>/dev/null; do
  sleep 5
  if [ -f "$work/serial.log" ]; then
    # Stream the guest's test output (from the first marker on).
    n=$(wc -l < "$work/serial.log")
    if [ "$n" -gt "$shown" ]; then
      sed -n "$((shown + 1)),${n}p" "$work/serial.log" | sed -n '/^EMU-\|^--- \|^ok\|^PASS\|^FAIL\|^panic\|_test.go:\|Kernel panic/p'
      shown=$n
    fi
    if grep -aq '^EMU-DONE\|Kernel panic' "$work/serial.log"; then
      sleep 3
      break
    fi
  fi
  if [ $(( $(date +%s) - start )) -gt "$limit" ]; then
    say "no EMU-DONE after ${limit}s: killing the emulator"
    break
  fi
done
kill "$bochs_pid" 2>/dev/null || true
wait "$bochs_pid" 2>/dev/null || true
bochs_pid=""
say "emulator ran $(( $(date +%s) - start ))s"

# 6. Verdict.
log=$work/serial.log
[ -f "$log" ] || { tail -20 "$work/bochs.out"; die "the guest printed nothing (see the Bochs output above)"; }
grep -aq '^EMU-CPU avx2=true avx512f=true avx512bw=true avx512dq=true avx512vl=true' "$log" ||
  { grep -a 'EMU-CPU\|x86/fpu\|XSAVE' "$log"; die "the guest kernel did not enable AVX-512: the tests would not run its path"; }
grep -aq '^EMU-DONE failed=0' "$log" || {
  grep -a -- '^EMU-FAIL\|^EMU-DONE\|^--- FAIL\|^    --- FAIL\|Kernel panic' "$log" || true
  die "tests failed on the emulated AVX-512 CPU"
}
if [[ " ${pkgs[*]} " == *" asm "* ]] && [ -z "${EMU_TEST_RUN:-}" ]; then
  grep -aq -- '--- PASS: TestGemmKernel/avx512' "$log" || die "the asm tests did not run their avx512 subtests"
  if grep -aq -- '--- PASS: TestGemmKernel/avx2' "$log"; then
    die "RLTRAIN_TEST_PATHS=avx512 did not reach the guest: the asm tests ran the avx2 path too"
  fi
fi
say "all tests passed on the emulated AVX-512 CPU (${pkgs[*]})"
# The closing count, of top-level tests (-test.v prints one line each).
echo "avx512-emu: $(grep -ac '^--- PASS' "$log") passed, $(grep -ac '^--- FAIL' "$log") failed"
