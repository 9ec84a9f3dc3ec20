//go:build !race

package selfimprove_test

const raceEnabled = false
