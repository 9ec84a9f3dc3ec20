package run

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// MemAvailable returns the kernel's estimate of the memory available to a
// new process (MemAvailable in /proc/meminfo), in bytes; ok is false where
// that file does not exist (other systems) or lacks the line.
func MemAvailable() (bytes int64, ok bool) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	return parseMemAvailable(b)
}

// parseMemAvailable reads the "MemAvailable:  N kB" line of /proc/meminfo.
func parseMemAvailable(b []byte) (int64, bool) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) >= 2 && string(f[0]) == "MemAvailable:" {
			kb, err := strconv.ParseInt(string(f[1]), 10, 64)
			if err != nil || kb < 0 {
				return 0, false
			}
			return kb << 10, true
		}
	}
	return 0, false
}

// GiB formats a byte count as GiB with one decimal.
func GiB(b int64) string { return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30)) }
