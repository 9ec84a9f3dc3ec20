//go:build linux

// Command emuinit is the /init of the initramfs that scripts/test-avx512-emu.sh
// boots in an emulated AVX-512 machine (Bochs, Skylake-X model). It runs each
// test binary /pkg/NAME/NAME.test with the arguments in /pkg/NAME/args, in
// /pkg/NAME (so testdata/ resolves as under go test), prints machine-readable
// markers the script checks, and powers the machine off.
//
// Markers, one per line on the console:
//
//	EMU-CPU avx2=B avx512f=B avx512bw=B avx512dq=B avx512vl=B   what the kernel enabled
//	EMU-RUN NAME                                               a test binary starts
//	EMU-TIME NAME SECONDS (guest clock)                        it ended
//	EMU-FAIL NAME: ERR                                         it failed
//	EMU-DONE failed=N                                          all ran; N failed
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	mount("proc", "/proc", "proc")
	mount("tmpfs", "/tmp", "tmpfs")
	fmt.Println(cpuLine())

	dirs, _ := filepath.Glob("/pkg/*")
	failed := 0
	if len(dirs) == 0 {
		fmt.Println("EMU-FAIL /pkg: no test binaries in the initramfs")
		failed++
	}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		if err := runTests(dir, name); err != nil {
			fmt.Printf("EMU-FAIL %s: %v\n", name, err)
			failed++
		}
	}
	fmt.Printf("EMU-DONE failed=%d\n", failed)
	powerOff()
}

// runTests runs dir/name.test with the arguments in dir/args.
func runTests(dir, name string) error {
	var args []string
	if b, err := os.ReadFile(filepath.Join(dir, "args")); err == nil {
		args = strings.Fields(string(b))
	}
	fmt.Printf("EMU-RUN %s %s\n", name, strings.Join(args, " "))
	start := time.Now()
	cmd := exec.Command(filepath.Join(dir, name+".test"), args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stdout
	cmd.Env = append(os.Environ(), "TMPDIR=/tmp", "HOME=/tmp")
	err := cmd.Run()
	fmt.Printf("EMU-TIME %s %.1fs (guest clock)\n", name, time.Since(start).Seconds())
	return err
}

// cpuLine reports the SIMD features the guest kernel enabled: a kernel that
// rejects the emulated XSAVE layout turns AVX off, and the AVX-512 tests
// would then pass vacuously on the generic path.
func cpuLine() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return fmt.Sprintf("EMU-CPU unknown: %v", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(l, "flags") {
			continue
		}
		flags := map[string]bool{}
		for _, f := range strings.Fields(l) {
			flags[f] = true
		}
		return fmt.Sprintf("EMU-CPU avx2=%v avx512f=%v avx512bw=%v avx512dq=%v avx512vl=%v",
			flags["avx2"], flags["avx512f"], flags["avx512bw"], flags["avx512dq"], flags["avx512vl"])
	}
	return "EMU-CPU unknown: no flags line in /proc/cpuinfo"
}

func mount(src, target, fstype string) {
	if err := os.MkdirAll(target, 0o755); err != nil {
		fmt.Printf("emuinit: mkdir %s: %v\n", target, err)
	}
	if err := syscall.Mount(src, target, fstype, 0, ""); err != nil {
		fmt.Printf("emuinit: mount %s on %s: %v\n", fstype, target, err)
	}
}

// powerOff flushes the console and stops the machine; the script also kills
// the emulator once it has seen EMU-DONE, in case ACPI power-off is ignored.
func powerOff() {
	syscall.Sync()
	time.Sleep(2 * time.Second)
	if err := syscall.Reboot(syscall.LINUX_REBOOT_CMD_POWER_OFF); err != nil {
		fmt.Printf("emuinit: power off: %v\n", err)
	}
	select {}
}
