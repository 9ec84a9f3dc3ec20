package selfimprove

import (
	"strconv"
	"strings"
)

func parseFloat(s string) (float64, error) { return strconv.ParseFloat(strings.TrimSpace(s), 64) }
